"""`tracker alerts ...`: who is told when a claim is repeated, repeated late, or corrected."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from tracker.cli.render import echo, err, print_json, print_table
from tracker.errors import BadInput

from .app import JsonOpt, app, open_tracker

if TYPE_CHECKING:  # the API's names load on use: `tracker --help` imports no httpx or database
    from tracker.api import ShownSubscription

__all__ = ["alerts_app"]

alerts_app = typer.Typer(
    help="Alerts: webhooks, e-mail and Apprise URLs told of new repeats, late repeats, uptake.",
    no_args_is_help=True,
)
app.add_typer(alerts_app, name="alerts")

ToOpt = Annotated[
    str,
    typer.Option(
        "--to",
        help="Where to: https://... (signed webhook), mailto:a@b.example, or an Apprise URL.",
    ),
]


@alerts_app.command("add")
def alerts_add(
    ctx: typer.Context,
    to: ToOpt,
    slug: Annotated[str | None, typer.Argument(help="The claim's slug (or --all).")] = None,
    every: Annotated[bool, typer.Option("--all", help="Every claim, present and future.")] = False,
    events: Annotated[
        list[str] | None,
        typer.Option(
            "--events",
            help="Only these: new_repeat, late_repeat, uptake_changed, correction_suggested, "
            "taken_down (repeat the option or separate with commas).",
        ),
    ] = None,
    digest: Annotated[
        str, typer.Option("--digest", help="daily: one message a day, grouped by claim.")
    ] = "none",
    json: JsonOpt = False,
) -> None:
    """Subscribe a destination to a claim's events (or to every claim's, with --all)."""
    if every == (slug is not None):
        raise BadInput("give a claim's slug or --all (not both)")
    with open_tracker(ctx) as tracker:
        sub = tracker.alerts().add(slug, to, events=events or (), digest=digest)
    if json:
        print_json(sub)
        return
    echo(f"subscription {sub.id}: {_scope(sub)} -> {sub.destination}")


@alerts_app.command("list")
def alerts_list(ctx: typer.Context, json: JsonOpt = False) -> None:
    """Every subscription (destinations shown without their tokens)."""
    with open_tracker(ctx) as tracker:
        subs = tracker.alerts().subscriptions()
    if json:
        print_json(subs)
        return
    print_table(
        subs,
        [
            ("id", lambda s: s.id),
            ("claim", _scope),
            ("to", lambda s: s.destination),
            ("events", lambda s: ", ".join(s.events) or "all"),
            ("digest", lambda s: s.digest),
        ],
        title="alert subscriptions",
    )


@alerts_app.command("remove")
def alerts_remove(
    ctx: typer.Context,
    subscription: Annotated[int, typer.Argument(help="The subscription's id (alerts list).")],
) -> None:
    """Remove a subscription (what it already queued is still sent)."""
    with open_tracker(ctx) as tracker:
        sub = tracker.alerts().remove(subscription)
    echo(f"removed subscription {sub.id}: {_scope(sub)} -> {sub.destination}")


@alerts_app.command("test")
def alerts_test(ctx: typer.Context, to: ToOpt, json: JsonOpt = False) -> None:
    """Send a sample event to a destination now and show what it answered."""
    with open_tracker(ctx) as tracker:
        result = tracker.alerts().test(to)
    if json:
        print_json(result)
    else:
        echo(f"{'delivered' if result.ok else 'failed'}: {result.detail}")
    if not result.ok:
        raise typer.Exit(1)


@alerts_app.command("send")
def alerts_send(ctx: typer.Context, json: JsonOpt = False) -> None:
    """Send what the outbox holds that is due now (a crawl does this by itself)."""
    with open_tracker(ctx) as tracker:
        counts = tracker.alerts().send()
        health = tracker.alerts().health()
    if json:
        print_json({"counts": counts, "destinations": health})
        return
    echo(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "nothing was due")
    for dead in (h for h in health if h.dead):
        err(f"destination not answering: {dead.destination} ({dead.last_error})")


def _scope(sub: ShownSubscription) -> str:
    return sub.claim or "(all claims)"
