"""The library API: what the CLI calls, and what a notebook can call just as well."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING

from tracker.api.status import Status, status_of
from tracker.clock import Clock, SystemClock
from tracker.config import ALLOW_PRIVATE_HINT, Settings
from tracker.domain import Discovery, FoundFeed, OpmlFeed
from tracker.domain.crawl import ArticleInfo, FeedInfo, OutletInfo, VersionInfo
from tracker.domain.formats import GraphFormat
from tracker.errors import BadInput, CrawlLocked, NotAFeed, TrackerError, UnsafeURL
from tracker.export.output import STDOUT, Writer, write_output
from tracker.store import Store, current_revision, head_revision, make_engine, upgrade
from tracker.store.captures import CaptureStore
from tracker.store.db import readable_errors
from tracker.store.lock import crawl_lock, crawl_lock_waiting

# What only some methods need is imported in those methods: a command imports only what it runs
# (`tracker status` no extraction, graphs or linking; issue 14). These names are for the types.
if TYPE_CHECKING:
    import httpx

    from tracker.api.alerts import Alerts
    from tracker.api.claims import Claims
    from tracker.domain import ParsedFeed
    from tracker.domain.story import ClaimStory
    from tracker.export.graph import StorySummary
    from tracker.pipeline.alerts.outbox import Dispatcher
    from tracker.pipeline.crawl import AddReport, Crawler, Progress, RunReport
    from tracker.pipeline.extraction_pool import ExtractionPool
    from tracker.pipeline.stages import Stage
    from tracker.pipeline.warc_import import WarcImport
    from tracker.queries.links import Repeaters, SourceChain
    from tracker.store.queue_repo import Quarantined
    from tracker.web.http import Fetcher, Resolver, SharedTurns

__all__ = [
    "GraphFile",
    "ImportReport",
    "Status",
    "Tracker",
    "database_revision",
    "upgrade_database",
]

MAX_OPML_BYTES = 5 * 1024 * 1024
LOCK_RETRY_SECONDS = 1.0  # how often a daemon's pass tries again for a lock another command holds


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an OPML import (or a subscription to discovered feeds) did."""

    added: tuple[str, ...]
    already: tuple[str, ...]
    refused: tuple[tuple[str, str], ...]  # url, reason


@dataclass(frozen=True, slots=True)
class GraphFile:
    """A graph written to a file: where (None: standard output), and how large."""

    path: Path | None
    nodes: int
    edges: int


class Tracker:
    """One database, one configuration, one clock: everything the tracker does."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        resolver: Resolver | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        migrate: bool = True,
        stages: Sequence[Stage] | None = None,
    ) -> None:
        self.settings = settings
        # The post-crawl stages (linking, claims); None = the default ones, made on first use.
        self._stages = None if stages is None else tuple(stages)
        self.clock: Clock = clock or SystemClock()
        self._resolver = resolver
        self._transport = transport
        self.engine = make_engine(settings.database_url)
        with readable_errors():  # not a database, no server, ...: one line, not a traceback
            if migrate and current_revision(self.engine) != head_revision():
                upgrade(self.engine)
        self.store = Store(
            self.engine, redirect_confirmations=settings.crawl.redirect_confirmations
        )
        self._pool: ExtractionPool | None = None
        self._dispatcher: Dispatcher | None = None

    @property
    def dispatcher(self) -> Dispatcher:
        """Sends the alerts outbox on a thread of its own, after the commits that filled it."""
        if self._dispatcher is None:  # made on first use: most commands send nothing
            from tracker.api.alerts import dispatcher_for

            self._dispatcher = dispatcher_for(self.store, self.clock, self.settings.alerts)
        return self._dispatcher

    @property
    def stages(self) -> tuple[Stage, ...]:
        """The post-crawl stages every crawl pass runs."""
        if self._stages is None:
            self._stages = tuple(default_stages(self.settings))
        return self._stages

    def close(self) -> None:
        """Stop the extraction workers and release the database connections.

        Alerts still being sent get up to `[alerts] send_deadline` seconds; what is left
        stays in the outbox for the next run.
        """
        if self._dispatcher is not None:
            self._dispatcher.wait(self.settings.alerts.send_deadline)
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        self.engine.dispose()

    def warm_up(self) -> None:
        """Start the extraction workers ahead of the first crawl (benchmarks, long runs)."""
        from tracker.urls import outlet_domain

        self._extraction_pool().warm_up()
        # The public-suffix list is read on the first outlet lookup (a few tenths of a second,
        # on the store thread): once per process, here rather than inside the first crawl.
        outlet_domain("https://example.com/")

    def _extraction_pool(self) -> ExtractionPool:
        # Started once and kept: worker processes take a second to start and import.
        if self._pool is None:
            from tracker.pipeline.extraction_pool import ExtractionPool

            self._pool = ExtractionPool(self.settings.extract, self.settings.crawl.extract_workers)
        return self._pool

    def __enter__(self) -> Tracker:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------ feeds and outlets

    def add_feed(
        self, url: str, *, outlet: str | None = None, check: bool = False, rename: bool = False
    ) -> tuple[FeedInfo, bool]:
        """Subscribe to a feed URL; with `check`, fetch it first and refuse what is not a feed.

        `outlet` names the feed's outlet; renaming an outlet that has another name needs `rename`.
        """
        from tracker.urls import parse_http_url

        checked = parse_http_url(url)
        if check:
            self.check_feed(checked)
        return self.store.add_feed(checked, outlet=outlet, now=self.clock.now(), rename=rename)

    def check_feed(self, url: str) -> ParsedFeed:
        """Fetch and parse a feed once; raises BadInput (or NotAFeed) when it is not one."""
        import asyncio

        from tracker.pipeline.crawl import sitemap_limits
        from tracker.web.feed_documents import read_feed_document

        async def run() -> ParsedFeed:
            async with self._fetcher() as fetcher:
                try:
                    result = await fetcher.fetch(url)
                except UnsafeURL as exc:
                    if not exc.private:
                        raise BadInput(f"cannot fetch {url}: {exc}") from None
                    # --no-check would subscribe a feed every crawl refuses: name the switch.
                    raise UnsafeURL(
                        f"cannot fetch {url}: {exc}; non-public addresses are refused "
                        f"(for local testing set {ALLOW_PRIVATE_HINT})",
                        private=True,
                    ) from None
                except TrackerError as exc:
                    raise BadInput(
                        f"cannot fetch {url}: {exc} (use --no-check to add anyway)"
                    ) from None
                if result.status >= 400:
                    raise BadInput(f"cannot fetch {url}: HTTP {result.status}")
                try:
                    # A sitemap index is checked by reading its newest children too.
                    parsed = await read_feed_document(
                        fetcher, result, sitemap_limits(self.settings)
                    )
                except NotAFeed as exc:
                    raise NotAFeed(f"{url}: {exc}") from None
                except TrackerError as exc:
                    raise BadInput(f"cannot read the sitemap index {url}: {exc}") from None
            if parsed.warning and not any(entry.link for entry in parsed.entries):
                raise NotAFeed(f"{url}: malformed feed with no usable entry: {parsed.warning}")
            return parsed

        return asyncio.run(run())

    def remove_feed(self, url: str) -> FeedInfo:
        """Unsubscribe from a feed."""
        return self.store.remove_feed(url.strip())

    def feeds(self) -> list[FeedInfo]:
        """The subscribed feeds."""
        return self.store.list_feeds()

    def import_opml(self, path: Path) -> ImportReport:
        """Subscribe to every feed an OPML file lists."""
        try:
            if path.stat().st_size > MAX_OPML_BYTES:
                raise BadInput(f"{path}: larger than {MAX_OPML_BYTES // 1024 // 1024} MiB")
            data = path.read_bytes()
        except OSError as exc:
            raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
        from tracker.web.feeds import parse_opml

        added: list[str] = []
        already: list[str] = []
        refused: list[tuple[str, str]] = []
        for item in parse_opml(data):
            try:
                _, new = self.add_feed(item.url, outlet=item.title or None)
            except BadInput as exc:
                # A title that clashes with another outlet's name: subscribe without naming it.
                try:
                    _, new = self.add_feed(item.url)
                except TrackerError:
                    refused.append((item.url, str(exc)))
                    continue
            (added if new else already).append(item.url)
        return ImportReport(tuple(added), tuple(already), tuple(refused))

    def export_opml(self) -> bytes:
        """The subscribed feeds as an OPML document."""
        from tracker.web.feeds import write_opml

        items = [OpmlFeed(url=f.url, title=f.title or (f.outlet or "")) for f in self.feeds()]
        return write_opml(items)

    def add_outlet(self, name: str, domain_or_url: str, aliases: Sequence[str] = ()) -> OutletInfo:
        """Name an outlet and the aliases it is credited under ("the Ledger")."""
        from tracker.urls import outlet_domain

        value = domain_or_url.strip()
        domain = outlet_domain(value if "://" in value else f"https://{value}/")
        return self.store.ensure_outlet(domain, name=name, now=self.clock.now(), aliases=aliases)

    def outlets(self) -> list[OutletInfo]:
        """Every known outlet."""
        return self.store.list_outlets()

    def discover(self, url: str) -> Discovery:
        """The feeds an outlet's home page announces and the sitemaps its robots.txt lists."""
        import asyncio

        from tracker.urls import parse_http_url
        from tracker.web.discover import discover_outlet

        value = url.strip()
        checked = parse_http_url(value if "://" in value else f"https://{value}/")

        async def run() -> Discovery:
            async with self._fetcher() as fetcher:
                return await discover_outlet(fetcher, checked)

        found = asyncio.run(run())
        if not found.found and found.problems:
            raise BadInput(f"found nothing at {checked}: {'; '.join(found.problems)}")
        return found

    def subscribe(self, found: Iterable[FoundFeed], *, check: bool = True) -> ImportReport:
        """Subscribe to discovered feeds and sitemaps; with `check`, each is fetched first."""
        added: list[str] = []
        already: list[str] = []
        refused: list[tuple[str, str]] = []
        for item in found:
            try:
                _, new = self.add_feed(item.url, check=check)
            except TrackerError as exc:
                refused.append((item.url, str(exc)))
                continue
            (added if new else already).append(item.url)
        return ImportReport(tuple(added), tuple(already), tuple(refused))

    # ------------------------------------------------------------ crawling

    def _crawler(
        self, fetcher: Fetcher, pool: ExtractionPool, progress: Progress | None
    ) -> Crawler:
        from tracker.pipeline.crawl import Crawler

        return Crawler(
            self.store,
            self.settings,
            self.clock,
            fetcher,
            pool,
            progress=progress,
            stages=self.stages,
        )

    def _fetcher(self, shared_turns: SharedTurns | None = None) -> Fetcher:
        from tracker.web.http import Fetcher

        return Fetcher(
            self.settings.http,
            resolver=self._resolver,
            transport=self._transport,
            clock=self.clock,
            shared_turns=shared_turns,
        )

    def queue_crawler(self, shared_turns: SharedTurns) -> tuple[Fetcher, Crawler]:
        """A fetcher whose host turns are shared by every worker, and a crawler over it."""
        fetcher = self._fetcher(shared_turns)
        return fetcher, self._crawler(fetcher, self._extraction_pool(), None)

    def crawl(self, *, progress: Progress | None = None, send: bool = True) -> RunReport:
        """One crawl pass; then its alerts are sent in the background (unless not `send`)."""
        import asyncio  # here: `tracker status` and the like never need it

        async def run() -> RunReport:
            async with self._fetcher() as fetcher:
                crawler = self._crawler(fetcher, self._extraction_pool(), progress)
                try:
                    return await crawler.run_once()
                finally:
                    crawler.close()

        with crawl_lock(self.engine):  # one crawl per database at a time
            report = asyncio.run(run())
        if send:
            self.dispatcher.start()
        return report

    def crawl_every(
        self,
        interval: float,
        *,
        progress: Progress | None = None,
        on_report: Progress | None = None,
        stop: threading.Event | None = None,
        reports: list[RunReport] | None = None,
    ) -> int:
        """Crawl every `interval` seconds until SIGINT/SIGTERM or `stop`; returns passes made."""
        import asyncio

        stop = stop or threading.Event()
        passes = 0

        async def run() -> None:
            nonlocal passes
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                # Outside the main thread (tests) there are no signal handlers; `stop` still works.
                with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.add_signal_handler(sig, stop.set)
            async with self._fetcher() as fetcher:
                crawler = self._crawler(fetcher, self._extraction_pool(), progress)
                try:
                    while not stop.is_set():
                        # The lock is held for one pass only, so that `add`, `link` and
                        # `claims add` work while the daemon sleeps; when one of them holds it
                        # at pass time, the pass waits for it.
                        try:
                            with crawl_lock(self.engine):
                                report = await crawler.run_once()
                        except CrawlLocked:
                            await _wait(stop, LOCK_RETRY_SECONDS)
                            continue
                        passes += 1
                        self.dispatcher.start()
                        if reports is not None:
                            reports.append(report)
                        if on_report:
                            on_report("pass", passes, report.total)
                        await _wait(stop, interval)
                finally:
                    crawler.close()

        asyncio.run(run())
        return passes

    def add_urls(
        self,
        urls: Iterable[str],
        *,
        progress: Progress | None = None,
        wait: float = 0.0,
        on_wait: Callable[[str], None] | None = None,
    ) -> AddReport:
        """Fetch and store single article URLs (waiting up to `wait` s for a running crawl).

        Every URL ends stored or with its reason in `failed`; a URL that is not a valid http(s)
        URL is not fetched at all.
        """
        import asyncio

        from tracker.pipeline.crawl import AddReport
        from tracker.urls import canonical_url, parse_http_url

        given = list(urls)
        if not given:
            raise BadInput("no URL given")
        checked, invalid = [], []
        for url in given:
            try:
                canonical_url(url)  # what cannot be stored is refused before any fetch
                checked.append(parse_http_url(url))
            except TrackerError as exc:
                invalid.append((url, str(exc)))
        if not checked:
            return AddReport(None, (), tuple(invalid))

        async def run() -> AddReport:
            async with self._fetcher() as fetcher:
                crawler = self._crawler(fetcher, self._extraction_pool(), progress)
                try:
                    return await crawler.add_urls(checked)
                finally:
                    crawler.close()

        with crawl_lock_waiting(self.engine, wait, on_wait=on_wait):  # one crawl at a time
            report = asyncio.run(run())
        self.dispatcher.start()
        if not invalid:
            return report
        # In the order given: the invalid ones were never fetched.
        failed = dict(report.failed) | dict(invalid)
        return AddReport(
            report.run, report.stored, tuple((u, failed[u]) for u in given if u in failed)
        )

    def import_warc(
        self,
        paths: Sequence[Path],
        *,
        progress: Progress | None = None,
        on_problem: Callable[[str], None] | None = None,
        wait: float = 0.0,
        on_wait: Callable[[str], None] | None = None,
    ) -> WarcImport:
        """Store every HTML response of these WARC files as article versions, by capture time.

        Runs the crawl's extraction, linking and claims stages; records already imported are
        skipped. Each unreadable record (or stretch of a damaged file) is one line handed to
        `on_problem` as it is met, and the import goes on. Waits up to `wait` s for a crawl.
        """
        import asyncio

        from tracker.pipeline.warc_import import WarcImporter

        files = [Path(p) for p in paths]
        if not files:
            raise BadInput("no WARC file given")

        async def run() -> WarcImport:
            async with self._fetcher() as fetcher:  # never used: archived pages are not fetched
                pool = self._extraction_pool()
                crawler = self._crawler(fetcher, pool, None)
                importer = WarcImporter(
                    crawler,
                    max_body=self.settings.http.max_body_bytes,
                    window=16 * pool.workers,
                    on_problem=on_problem,
                    progress=progress,
                )
                try:
                    return await importer.run(files)
                finally:
                    crawler.close()

        with crawl_lock_waiting(self.engine, wait, on_wait=on_wait):  # one writer at a time
            return asyncio.run(run())

    def export_warc(self, slug: str, output: Path, *, root: Path = Path(".")) -> tuple[Path, int]:
        """Write every stored page of a claim's story as a WARC file inside `root`.

        The story's articles (origin and repeaters) and its corrections' articles, each version
        with the URL and time it was fetched. Returns the file and how many pages it holds.
        """
        from tracker.export.warc import write_story_warc
        from tracker.urls import canonical_url

        story = self.story(slug)
        corrections: list[int] = []
        for correction in story.corrections:
            if correction.url:
                with contextlib.suppress(BadInput):
                    found = self.store.article_for_url(canonical_url(correction.url))
                    if found is not None:
                        corrections.append(found)
        return write_story_warc(
            story, CaptureStore(self.store), output, root=root, also=corrections
        )

    # ------------------------------------------------------------ reading

    def status(self, runs: int = 5) -> Status:
        """Feed health, the last runs, and table sizes."""
        return status_of(self.engine, self.settings, runs)

    def articles(self) -> list[ArticleInfo]:
        """Every stored article."""
        return self.store.list_articles()

    def article(self, url: str) -> tuple[ArticleInfo, list[VersionInfo]]:
        """An article and all its versions."""
        from tracker.urls import parse_http_url

        info = self.store.get_article(parse_http_url(url))
        return info, self.store.versions(info.id)

    def quarantined(self) -> list[Quarantined]:
        """Job items that failed too often and are kept out of the queue."""
        from tracker.store.queue_repo import QuarantineStore

        return QuarantineStore(self.engine).list()

    def release(self, kind: str, item: str) -> bool:
        """Let a quarantined item back into the queue; False when it was not quarantined."""
        from tracker.store.queue_repo import QuarantineStore

        return QuarantineStore(self.engine).release(kind, item)

    # ------------------------------------------------------------ claims and provenance

    def alerts(self) -> Alerts:
        """Alert subscriptions, the outbox and its destinations."""
        from tracker.api.alerts import Alerts

        return Alerts(self.store, self.clock, self.settings.alerts, self.dispatcher)

    def claims(self, *, semantic: bool = False) -> Claims:
        """Claims, corrections and their uptake; `semantic` adds the sentence-embedding matcher."""
        matcher = None
        if semantic:  # imported here: numpy and the model load only when asked for
            from tracker.claims.semantic import SemanticClaimMatcher

            matcher = SemanticClaimMatcher()
        from tracker.api.claims import Claims

        return Claims(
            self.store,
            self.clock,
            matcher=matcher,
            link=self.settings.link,
            report_url=self.settings.alerts.report_url,
        )

    def link(
        self,
        *,
        rebuild: bool = False,
        wait: float = 0.0,
        on_wait: Callable[[str], None] | None = None,
    ) -> dict[str, int]:
        """Link the versions not linked yet; `rebuild` forgets every edge and links all again.

        Waits up to `wait` seconds for a running crawl, which holds the same lock.
        """
        # Linking writes what a crawl would: one at a time.
        from tracker.pipeline.linking_stage import LinkingStage

        with crawl_lock_waiting(self.engine, wait, on_wait=on_wait):
            stage = LinkingStage(self.settings.link)
            now = self.clock.now()
            if rebuild:
                return dict(stage.rebuild(self.store, now))
            return stage.link(self.store, now, full=True)

    def sources(self, url: str) -> SourceChain:
        """The chain from an article back to the original, each hop with its evidence."""
        from tracker.queries.links import sources_of

        return sources_of(self.store, url)

    def copies(self, url: str) -> Repeaters:
        """Everyone who repeated an article, directly or through a chain."""
        from tracker.queries.links import copies_of

        return copies_of(self.store, url)

    # ------------------------------------------------------------ stories, graphs, reports

    def story(self, slug: str) -> ClaimStory:
        """The story of a claim as of the last crawl: its articles, edges and corrections."""
        from tracker.queries.story import story_for

        return story_for(self.store, self.clock, slug)

    def write_graph(
        self,
        slug: str,
        fmt: GraphFormat | str = GraphFormat.GEXF,
        output: Path | None = None,
        *,
        outlets: bool = False,
        root: Path | None = None,
        stdout: IO[bytes] | None = None,
    ) -> GraphFile:
        """Write a claim's graph (of articles, or of `outlets`) as `fmt`.

        `output` is written exactly where it points (`-`: standard output) unless `root` is
        given, which confines it; without `output` the file is SLUG.FORMAT in `root` (or here).
        """
        from tracker.export.files import graph_writer
        from tracker.export.graph import build_claim_graph, build_outlet_graph

        fmt = GraphFormat(fmt)
        story = self.story(slug)
        built = build_outlet_graph(story) if outlets else build_claim_graph(story)
        default = Path(f"{slug}{'.outlets' if outlets else ''}{fmt.suffix}")
        path = _write(graph_writer(built, fmt), output, default, root, stdout)
        return GraphFile(path, built.number_of_nodes(), built.number_of_edges())

    def write_report(
        self,
        slug: str,
        output: Path | None = None,
        *,
        root: Path | None = None,
        stdout: IO[bytes] | None = None,
    ) -> tuple[Path | None, StorySummary]:
        """Write a claim's self-contained HTML report (paths as `write_graph`); file and figures."""
        from tracker.export.files import report_writer
        from tracker.export.graph import summarise
        from tracker.export.report import render_report

        story = self.story(slug)
        writer = report_writer(render_report(story))
        return _write(writer, output, Path(f"{slug}.html"), root, stdout), summarise(story)

    def write_opml(
        self, output: Path | None = None, *, stdout: IO[bytes] | None = None
    ) -> Path | None:
        """Write the subscriptions as OPML to `output` exactly (None or `-`: standard output)."""
        data = self.export_opml()
        return write_output(output or STDOUT, lambda stream: stream.write(data), stdout=stdout)

    def write_story_files(self, slug: str, folder: Path) -> dict[str, Path]:
        """A claim's report and every graph file, written into `folder`; name -> path."""
        from tracker.export.files import write_story_files

        return write_story_files(self.story(slug), folder)


def _write(
    writer: Writer,
    output: Path | None,
    default: Path,
    root: Path | None,
    stdout: IO[bytes] | None,
) -> Path | None:
    """A named output exactly (or confined to `root` when given); the default name in `root`."""
    if output is None:
        return write_output(default, writer, root=root or Path("."))
    return write_output(output, writer, root=root, stdout=stdout)


def upgrade_database(database_url: str) -> str | None:
    """Bring a database's schema up to the code's revision; returns the revision reached."""
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        return current_revision(engine)
    finally:
        engine.dispose()


def database_revision(database_url: str) -> tuple[str | None, str]:
    """The database's schema revision (None when empty) and the code's."""
    engine = make_engine(database_url)
    try:
        return current_revision(engine), head_revision()
    finally:
        engine.dispose()


def default_stages(settings: Settings) -> Sequence[Stage]:
    """The post-crawl stages of a crawl (linking, claims), imported when a crawl needs them."""
    from tracker.pipeline.stages import default_stages as make

    return make(settings)


async def _wait(stop: threading.Event, seconds: float) -> None:
    """Sleep up to `seconds`, waking early when `stop` is set."""
    import asyncio

    deadline = asyncio.get_running_loop().time() + seconds
    while not stop.is_set():
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            return
        await asyncio.sleep(min(0.2, remaining))
