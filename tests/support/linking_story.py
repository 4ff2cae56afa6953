"""Hand-written texts of fictional outlets for the linking tests: one story told many ways."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tracker.domain import ArticleRef, Outlet

LEDGER = Outlet("The Harbor Ledger", "ledger.example", ("the Ledger",))
WIRE = Outlet("Coastal Press Wire", "cpw.example", ("CPW",))
COURIER = Outlet("Valley Courier", "courier.example")
NORTHSIDE = Outlet("Northside Daily", "northside.example")
GAZETTE = Outlet("Marlow Gazette", "gazette.example")
OUTLETS = (LEDGER, WIRE, COURIER, NORTHSIDE, GAZETTE)

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)

BRIDGE = [
    "The Marlow Bay harbor bridge will close for at least three weeks after engineers found deep "
    "cracks in two of its steel support beams, the city's transport department said on Tuesday.",
    "Inspectors discovered the damage during a routine survey on Monday night and ordered the "
    "crossing shut to all traffic before the morning rush, sending thousands of commuters onto "
    "the coastal ring road.",
    "Deputy mayor Elena Varga said the cracks had probably been growing for years and blamed a "
    "maintenance budget that was cut by forty percent in 2019.",
    "Ferry operator Bluewater Lines said it would add six extra crossings a day between the north "
    "pier and the old customs wharf until the bridge reopens.",
    "Local businesses on the south shore warned that a long closure could cost them most of their "
    "summer trade, and the chamber of commerce asked the council for emergency relief.",
    "The transport department said a full repair plan and a reopening date would be published by "
    "the end of next week.",
]
ORIGINAL = "\n".join(BRIDGE)

# What an intermediary adds to the story: a paragraph of its own reporting.
ADDED = (
    "Two independent structural experts consulted by the Gazette said the beams showed signs of "
    "corrosion that should have been caught by the annual inspections carried out since 2016."
)
OWN = [
    "Commuters interviewed at the ferry terminal on Wednesday morning described queues of more "
    "than an hour and said nobody had warned them about the closure in advance.",
    "Our readers can send their questions about the closure to the newsroom, and we will put them "
    "to the transport department at its next briefing on Friday afternoon.",
]

# The story in other words: sentences reordered, verbs and nouns swapped for synonyms.
PARAPHRASE = "\n".join(
    [
        "Engineers have found deep cracks in two steel support beams of the Marlow Bay harbor "
        "bridge, which will now stay closed for a minimum of three weeks, the city transport "
        "department announced Tuesday.",
        "The damage was spotted by inspectors in a routine survey late on Monday; they closed the "
        "crossing to all vehicles ahead of the morning rush hour, diverting thousands of "
        "commuters to the coastal ring road.",
        "Ferry company Bluewater Lines will run six additional crossings each day from the north "
        "pier to the old customs wharf until the bridge opens again.",
        "Elena Varga, the deputy mayor, said the cracks had likely grown over many years and "
        "blamed a maintenance budget cut of forty percent in 2019.",
        "Shop owners on the south shore fear a lengthy closure may cost them most of their summer "
        "business; the chamber of commerce has asked the council for emergency help.",
    ]
)

# An independent report of the same event: same facts, its own words and its own quotes.
INDEPENDENT = "\n".join(
    [
        "Traffic chaos gripped Marlow Bay on Tuesday as the harbor bridge stayed shut and drivers "
        "crawled along the ring road for most of the morning.",
        "“I have never seen anything like it, we moved two kilometres in forty minutes,” said "
        "taxi driver Ahmed Rossi, who usually crosses the bridge twelve times a day.",
        "City officials have not said when the bridge will reopen. Schools on the south shore "
        "told parents to expect delays to buses for the rest of the month.",
        "Opposition councillors called for an inquiry into how the bridge was maintained and "
        "demanded that the inspection reports of the past five years be made public.",
    ]
)

# A different story entirely, for distractors and boilerplate.
LIBRARY = "\n".join(
    [
        "The Marlow Bay public library will stay open until ten in the evening on weekdays from "
        "next month, after a donation from a retired schoolteacher covered the extra staff.",
        "Head librarian Tomas Weller said evening visitors had doubled since the reading room was "
        "renovated last autumn and that students had asked for longer hours before exams.",
        "The library will also start lending musical instruments, beginning with twenty guitars "
        "and a dozen keyboards donated by a local music shop that closed in January.",
    ]
)

WATER = "\n".join(
    [
        "MARLOW BAY (CPW) — The regional water utility will raise household prices by twelve "
        "percent from April to pay for a new treatment plant, its board decided on Wednesday.",
        "Chief executive Mira Santos said the plant was needed to meet stricter rules on "
        "drinking water quality that come into force in two years across the whole region.",
        "Consumer groups called the increase the steepest in a decade and asked the regulator "
        "to phase it in over three years for families on low incomes.",
        "The utility said customers who pay by direct debit would receive a small discount and "
        "that a hardship fund would be doubled to help households that fall behind.",
    ]
)

FOOTER = (
    "Sign up for our newsletter to get the most important stories from Marlow Bay and the coast "
    "delivered to your inbox every morning, and follow us for live updates all day long."
)


def ref(
    article_id: int,
    outlet: Outlet,
    minutes: float,
    *,
    published_minutes: float | None = None,
) -> ArticleRef:
    """An article of `outlet` first seen `minutes` after T0 (published at the given minute)."""
    published = None if published_minutes is None else T0 + timedelta(minutes=published_minutes)
    return ArticleRef(
        id=article_id,
        url=f"https://{outlet.domain}/story/{article_id}",
        outlet=outlet.domain,
        first_seen=T0 + timedelta(minutes=minutes),
        published=published,
    )
