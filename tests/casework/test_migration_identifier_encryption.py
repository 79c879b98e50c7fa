"""Migration 0014 encrypts the identifiers already in the database, and backwards decrypts them."""

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from casework import crypto
from casework.models import CreditIndexEntry, Subject
from tests.conftest import Cast

BEFORE = [("casework", "0013_statement")]
AFTER = [("casework", "0014_encrypt_identifiers_and_read_log")]
PERSON = "11010519491231002X"


def migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def raw_identifiers(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT identifier FROM {table}")
        return {value for (value,) in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_existing_rows_are_encrypted_in_place_and_decrypted_backwards(cast: Cast) -> None:
    case = cast.listed_case()
    plain = {cast.subject.identifier, PERSON}
    try:
        migrate(BEFORE)
        # Backwards decrypted every row: what main stored before.
        assert raw_identifiers("casework_subject") == plain
        assert raw_identifiers("casework_creditindexentry") == {cast.subject.identifier}
        with connection.cursor() as cursor:  # a row written by the old code
            cursor.execute("INSERT INTO casework_subject (kind, name, identifier) VALUES (%s, %s, %s)",
                           ["natural_person", "李某", "110105194912310011"])
        migrate(AFTER)
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    stored = raw_identifiers("casework_subject")
    assert all(crypto.is_ciphertext(value) for value in stored)
    assert not any(number in value for value in stored for number in (*plain, "110105194912310011"))
    assert {crypto.decrypt(value) for value in stored} == {*plain, "110105194912310011"}
    assert Subject.objects.get(identifier="110105194912310011").name == "李某"
    assert CreditIndexEntry.objects.get(identifier=cast.subject.identifier).case_id == case.pk


def test_a_second_run_leaves_ciphertext_alone(cast: Cast, settings: Any) -> None:
    from importlib import import_module

    module = import_module("casework.migrations.0014_encrypt_identifiers_and_read_log")
    before = raw_identifiers("casework_subject")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection  # type: ignore[attr-defined]
    module.encrypt_rows(None, editor)
    assert raw_identifiers("casework_subject") == before
