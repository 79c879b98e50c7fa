"""collectstatic without the parts of viewflow's static folder this project never serves.

* ``node_modules``: viewflow's wheel carries a second copy of the Roboto stylesheet under
  ``viewflow/fonts/roboto/node_modules/``, which names font files that are not in the
  wheel; hashing it would stop ``collectstatic``. Nothing links to that copy (the pages
  use ``viewflow/fonts/roboto/roboto-fontface.css``).
* ``dash`` (22 MB of Plotly dashboards, viewflow.contrib.plotly) and ``simple-icons``
  (13 MB, used only by viewflow's own social login template): not used here; compressing
  them would make every ``make run`` minutes slower.

This is Django's documented way to leave files out (``ignore_patterns``); viewflow
itself is installed and used unmodified.
"""

from django.contrib.staticfiles.apps import StaticFilesConfig


class WorkbenchStaticFilesConfig(StaticFilesConfig):
    ignore_patterns = [*StaticFilesConfig.ignore_patterns, "node_modules", "dash", "simple-icons"]
