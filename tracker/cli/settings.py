"""`tracker config`: the effective settings, where each came from, and the database."""

from __future__ import annotations

import typer

from tracker.cli.render import echo, print_json, print_table

from .app import JsonOpt, _state, app


@app.command("config")
def config(ctx: typer.Context, json: JsonOpt = False) -> None:
    """Show the effective settings, where each came from, and the database.

    Later wins: default < user file (~/.config/propagation-tracker/tracker.toml, under
    $XDG_CONFIG_HOME when set) < project file (--config FILE, else $TRACKER_CONFIG, else
    ./tracker.toml) < environment (TRACKER_<SECTION>_<NAME>) < flag (--db). Secrets (names with
    password, secret or token, and database passwords) are shown as ***.
    """
    loaded = _state(ctx).loaded
    rows = loaded.effective()
    if json:
        print_json(
            {
                "database": loaded.database,
                "database_from": loaded.origin("database_url").describe(),
                "files": loaded.files,
                "settings": rows,
            }
        )
        return
    echo(f"database: {loaded.database}  (from {loaded.origin('database_url').describe()})")
    for file in loaded.files:
        echo(f"{file.role}: {file.path}  ({'read' if file.found else 'not found'})")
    print_table(
        rows,
        [("setting", lambda r: r.name), ("value", lambda r: r.value), ("from", lambda r: r.origin)],
    )
