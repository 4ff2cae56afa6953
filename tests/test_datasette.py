"""The Datasette metadata explains every table, hides the internal ones."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from sqlalchemy import inspect

from tracker.store import make_engine, upgrade
from tracker.store.fulltext import is_full_text_object

INTERNAL = {"link_bands", "link_paragraphs", "link_state", "stage_marks", "host_turns", "term_df"}
INTERNAL |= {"alert_subscriptions", "alert_deliveries"}  # destinations may carry tokens
INTERNAL |= {"outlet_templates"}  # what the crawl read of each home page, for the linker


def metadata() -> dict[str, object]:
    text = resources.files("tracker.store").joinpath("datasette-metadata.json").read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def test_the_metadata_describes_exactly_the_tables_of_a_migrated_database(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    tables = {t for t in inspect(engine).get_table_names() if not is_full_text_object(t)}
    engine.dispose()
    # Datasette names a database after its file: tracker.db, the default, is "tracker".
    assert Path(sqlite_url).stem == "tracker"
    described = metadata()["databases"]["tracker"]["tables"]  # type: ignore[index]
    assert set(described) == tables  # no table left unexplained, none that does not exist
    assert all(str(entry["description"]).strip() for entry in described.values())
    hidden = {name for name, entry in described.items() if entry.get("hidden")}
    assert hidden == INTERNAL | {"alembic_version"}
    assert all(described[name]["description"].startswith("Internal:") for name in hidden)
