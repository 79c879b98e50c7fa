"""The project's list dumper (casework/pg.py) writes the array literals psycopg's own writes."""

import json

import pytest
from django.db import connection
from psycopg.adapt import PyFormat, Transformer
from psycopg.types.array import ListDumper

from casework.pg import _Escape

pytestmark = pytest.mark.django_db

VALUES = ['plain', 'a "quoted" word', "back\\slash", '\\"', "comma, {brace}", "文字", "", " space ",
          json.dumps({"subject": '某"公司"\\', "nested": [{"a": "b"}]}, ensure_ascii=False), "NULL"]


def test_the_escape_gives_the_bytes_of_psycopgs_regular_expression() -> None:
    for value in VALUES:
        data = value.encode()
        assert _Escape().sub(rb"\\\1", data) == ListDumper._re_esc.sub(rb"\\\1", data)


def test_the_connections_dump_lists_with_it_and_postgresql_reads_back_the_same_values() -> None:
    connection.ensure_connection()
    dumper = Transformer(connection.connection).get_dumper(VALUES, PyFormat.TEXT)
    assert type(dumper._re_esc) is _Escape
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[], %s::jsonb[]", [[*VALUES, None], [VALUES[-2]] * 2])
        texts, documents = cursor.fetchone()
    assert texts == [*VALUES, None]
    # Django reads jsonb as text (json.loads is its JSONField's from_db_value)
    assert [json.loads(document) for document in documents] == [json.loads(VALUES[-2])] * 2
