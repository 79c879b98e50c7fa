"""Write one benchmark's section of docs/benchmarks.md, between its markers."""

from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADER = "# Benchmarks\n\nFigures measured on this project's 2-core machine.\n"


def write_section(report: str, marker: str, path: Path = BENCHMARKS) -> None:
    """Replace the text between ``<!-- marker:start -->`` and ``<!-- marker:end -->``, or append it."""
    text = path.read_text() if path.exists() else HEADER
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    if start in text:
        head, rest = text.split(start, 1)
        text = head + report.strip() + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + report.strip() + "\n"
    path.write_text(text)
