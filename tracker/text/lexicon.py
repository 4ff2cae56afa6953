"""The small hand-kept lexicon of news paraphrase: words and phrases that stand for one concept.

Kept by hand because no well-kept, offline, permissively licensed English paraphrase lexicon is
small enough to ship (WordNet needs a data download and over-generates senses). It only has to
cover the way news outlets restate claims ("caused" / "was blamed on" / "due to"); everything
else is matched through stems and character n-grams. Each group has a weight: relational words
(cause, say) matter less than the things a claim is about (outages, code).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LEXICON", "RELATED", "ConceptGroup"]


@dataclass(frozen=True, slots=True)
class ConceptGroup:
    """Words and phrases (surface forms, lower case) that carry one concept in news prose."""

    name: str
    phrases: tuple[str, ...]
    weight: float = 1.0


def _group(name: str, phrases: str, weight: float = 1.0) -> ConceptGroup:
    """Build a group from a comma-separated list of phrases."""
    return ConceptGroup(name, tuple(p.strip() for p in phrases.split(",") if p.strip()), weight)


LEXICON: tuple[ConceptGroup, ...] = (
    # relations
    _group(
        "=cause",
        "cause, caused, causing, causes, blame, blamed on, blamed, due to, because of, led to,"
        " lead to, leading to, result of, resulted from, result from, resulting from, stem from,"
        " stemmed from, trigger, triggered, behind, responsible for, attributed to, fault,"
        " owing to, contributed to, contribute to, root cause",
        0.5,
    ),
    _group(
        "=say",
        "say, said, says, state, stated, told, tell, claim, claimed, claims, announce,"
        " announced, declare, declared, assert, asserted",
        0.3,
    ),
    _group(
        "=increase", "increase, rise, rose, risen, grow, grew, growth, jump, surge, soar, climb"
    ),
    _group("=decrease", "decrease, fall, fell, fallen, drop, decline, plunge, slump, shrink"),
    _group("=write", "write, written, wrote, writing, generate, produce, create, draft", 0.7),
    _group("=approve", "approve, approved, greenlight, sign off, signed off"),
    _group(
        "=involve",
        "involve, involved, involvement, implicated, played a part, played a role,"
        " played any part, played any role, played no part, played no role, had a hand,"
        " had a role, had any role, had no role, had a part, took part, take part",
        0.7,
    ),
    # technology
    _group(
        "=ai",
        "ai, artificial intelligence, generative ai, genai, machine learning, llm, llms,"
        " large language model, large language models, language model, chatbot, chatgpt",
    ),
    _group("=code", "code, coding, coded, software, program, programming, programme, script"),
    _group(
        "=outage",
        "outage, outages, downtime, disruption, disrupted, went down, go down, goes down,"
        " gone down, going down, offline, went offline, crash, crashed, blackout,"
        " interruption, unavailable, knocked out, failure, failures, breakdown, breakdowns",
    ),
    _group("=shutdown", "shut, shut down, shutdown, close, closed, closure, closing"),
    _group("=hack", "hack, hacked, hacker, breach, cyberattack, cyber attack, intrusion"),
    _group("=leak", "leak, leaked, expose, exposed, disclose, disclosed"),
    _group("=photo", "photo, photograph, picture, image, pic"),
    _group("=video", "video, footage, clip"),
    # business and work
    _group("=company", "company, firm, business, corporation", 0.5),
    _group("=division", "division, unit, arm, department, business unit", 0.7),
    _group("=employee", "employee, staff, worker, workforce, personnel, staffer"),
    _group(
        "=layoff",
        "fire, fired, lay off, laid off, layoff, layoffs, job cuts, cut jobs, dismiss,"
        " dismissed, sack, sacked",
    ),
    _group("=buy", "buy, bought, acquire, acquisition, purchase, takeover, take over"),
    _group("=sell", "sell, sold, sale, divest, offload"),
    _group("=pay", "pay, paid, payment, compensate, compensation"),
    _group("=customer", "customer, client, shopper, consumer"),
    _group("=delivery", "delivery, deliver, shipment, shipping, parcel, package"),
    _group("=ceo", "ceo, chief executive, chief executive officer"),
    _group("=percent", "percent, per cent, pct"),
    # public life
    _group("=government", "government, administration, authorities"),
    _group("=investigation", "investigation, investigate, probe, inquiry, enquiry"),
    _group("=lawsuit", "sue, sued, lawsuit, litigation, legal action"),
    _group("=penalty", "fine, fined, penalty, penalised, penalized"),
    _group("=ban", "ban, banned, prohibit, prohibited, outlaw, outlawed"),
    _group("=arrest", "arrest, arrested, detain, detained, detention, custody"),
    _group("=prison", "prison, jail, jailed, imprisoned, imprisonment"),
    _group("=protest", "protest, protester, protesters, demonstration, demonstrator, rally"),
    _group("=election", "election, vote, ballot"),
    _group("=tax", "tax, taxes, levy, taxpayer"),
    _group("=death", "die, died, dead, death, deaths, kill, killed, fatal, fatality, fatalities"),
    _group("=child", "child, children, kid, kids"),
    _group("=doctor", "doctor, physician"),
    _group("=vaccine", "vaccine, vaccinate, vaccination, vaccinated, jab, inoculation"),
    _group("=covid", "covid, covid 19, coronavirus, sars cov 2"),
    _group("=immigrant", "immigrant, migrant"),
    _group("=usa", "usa, united states, america, american"),
    _group("=uk", "uk, united kingdom, britain, british"),
    _group("=eu", "eu, european union"),
)

# Groups that stand in for each other with partial credit: a "checkout shutdown" is an outage,
# "played a role in" is weaker than "caused". (claim group, sentence group) -> coverage.
RELATED: dict[tuple[str, str], float] = {
    ("=outage", "=shutdown"): 0.8,
    ("=shutdown", "=outage"): 0.8,
    ("=cause", "=involve"): 0.6,
    ("=involve", "=cause"): 0.8,
}
