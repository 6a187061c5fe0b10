"""The knowledge scenario (``make bench ARGS="--scenario knowledge"``, issue 20).

Builds, on PostgreSQL, an impact vocabulary of 60 issues in 8 areas and 5,000 accepted
good-practice cases with realistic texts: each case is about one of twelve themes
(artisanal cobalt, blockchain traceability, grievance mechanisms, battery passports ...)
and mentions a second one, with a name, a short description, two paragraphs of
good-practice aspects and a paragraph of transfer suggestions written from the theme's
sentences; a fifth have Spanish or French translations of their name and description;
each is mapped to 3 to 8 issues. Cases and mappings are written with ``bulk_create``
(the search trigger of migration 0002 indexes them as they are inserted); each run
deletes the previous run's cases and vocabulary, builds them again with the same seed,
and runs VACUUM ANALYZE (as autovacuum would on a database in use).

Then it starts Daphne as production runs it (127.0.0.1, a free port) and times, over
loopback HTTP, GETs of

* the repository page searched for ten typical queries (``/cases/?q=...``: count,
  ranking and the first page of 50), each 20 times after 2 warm-ups, the queries in
  turn; ``search_p95_ms`` is over the 200;
* the site's search page searched for the same ten queries (``/search/?q=...``: cases,
  roadmaps and consultations, five of each with the number of matches), each 20 times
  after 2 warm-ups, over the 5,000 cases and ``CONSULTATIONS`` public consultations
  (two versions of ``SECTIONS`` sections each, a fifth translated; ``ROADMAPS`` of them
  closed and published as roadmaps), bulk inserted (the triggers of migration 0005
  store their search vectors as they are inserted); ``site_search_p95_ms`` is over the
  200. For the record, ``site_vectors_on_the_fly_ms`` times once what the stored
  vectors save: parsing every latest version's section texts into vectors in a query;
* ``/healthz`` between them, the baseline (the request path with one query);
* the mapping matrix page ``/impact-matrix/`` (another part of issue 20) with 500
  accepted cases by 60 issues: the other 4,500 cases are set back to "proposed" for
  this part, so the matrix holds 500 columns. ``matrix_page_p95_ms`` is null when the
  page does not exist.

A time is the wall time of one request, from opening the connection to the last byte
(gzip accepted), as in the consultation scenario. Prints progress to stderr and one
JSON object as the last line of stdout."""

from __future__ import annotations

import datetime as dt
import os
import random
import time
import urllib.parse

CASES = 5000
MATRIX_CASES = 500
AREAS = 8
ISSUES = 60
SLUG_PREFIX = "bench-case-"
AREA_PREFIX = "[bench] "
WARMUP = 2
REPEATS = 20
MATRIX_REPEATS = 20
CONSULTATIONS = 200
SECTIONS = 12
ROADMAPS = 40
SITE_PREFIX = "bench-search"
HEADINGS = ["Vision", "Milestones", "Actions for industry", "Actions for policy makers",
            "Actions for civil society", "Context", "Indicators", "Open questions"]  # fmt: skip

QUERIES = [
    "cobalt artisanal mining",
    "traceability blockchain",
    "grievance mechanism",
    "battery passport",
    "child labour",
    "due diligence audit",
    "lithium recycling",
    "water tailings",
    "free prior informed consent",
    "smelter certification",
]

THEMES = {
    "artisanal": (
        "Artisanal cobalt mining cooperative",
        [
            "Artisanal miners in the Copperbelt formed a cooperative to sell cobalt to a single "
            "licensed buyer.",
            "The cooperative registers every artisanal mining site and the people who work it.",
            "Safety training and protective equipment reduced accidents in artisanal pits.",
            "Women working at artisanal cobalt sites get access to credit and childcare.",
            "Buyers pay a premium for cobalt from formalised artisanal mining sites.",
        ],
    ),
    "blockchain": (
        "Blockchain traceability of mineral lots",
        [
            "Each lot of ore is tagged at the mine and its weight recorded on a shared ledger.",
            "A blockchain platform lets refiners and manufacturers follow lots through the chain.",
            "Traceability data are checked against export permits and smelter receipts.",
            "Companies downstream can verify the origin of minerals without seeing trade secrets.",
            "The traceability system flags lots whose recorded weights do not add up.",
        ],
    ),
    "grievance": (
        "Community grievance mechanism",
        [
            "Community members can raise a grievance by phone, text message or in person.",
            "An independent panel answers every grievance within thirty days and publishes a log.",
            "The grievance mechanism covers workers, neighbours and contractors alike.",
            "Remedy agreed through the mechanism is monitored by a local civil society group.",
            "Grievances about water and land are the most frequent and are reported yearly.",
        ],
    ),
    "passport": (
        "Digital battery passport",
        [
            "A digital battery passport records the origin of the cobalt, lithium and nickel.",
            "The passport holds the carbon footprint and the share of recycled content.",
            "Recyclers read the passport to plan dismantling and material recovery.",
            "Data in the passport follow an open standard shared across the industry.",
            "Regulators can check due diligence information through the passport.",
        ],
    ),
    "child": (
        "Child labour remediation programme",
        [
            "Children found working at mine sites are enrolled in school with family support.",
            "Monitors visit sites unannounced to check for child labour.",
            "The programme pays school fees and offers vocational training to older teenagers.",
            "Families receive an income bridge so that children do not return to the mines.",
            "Cases of child labour are followed for two years after remediation.",
        ],
    ),
    "audit": (
        "Independent due diligence audit",
        [
            "An independent third party audits the supply-chain due diligence of every smelter.",
            "Audit reports are published in summary with the corrective actions agreed.",
            "The audit follows the OECD due diligence guidance step by step.",
            "Auditors interview workers and community members away from management.",
            "Companies that fail the audit get a year to correct before they are excluded.",
        ],
    ),
    "recycling": (
        "Closed-loop lithium recycling",
        [
            "End-of-life batteries are collected from dealers and dismantled safely.",
            "Hydrometallurgical recycling recovers lithium, cobalt and nickel at high purity.",
            "Recycled lithium goes back into new cathodes made in the same region.",
            "Collection targets and take-back schemes feed the recycling plant.",
            "Recycling reduces the need for new mining and its emissions.",
        ],
    ),
    "water": (
        "Water stewardship and tailings safety",
        [
            "The mine recycles most of its process water and reports withdrawals monthly.",
            "Tailings dams are inspected by independent engineers every year.",
            "Communities downstream receive water quality data in their own language.",
            "Dry-stack tailings replaced a wet tailings dam at the end of its life.",
            "Water permits are negotiated with farmers who share the catchment.",
        ],
    ),
    "consent": (
        "Free, prior and informed consent process",
        [
            "Indigenous communities gave or withheld consent before exploration started.",
            "Free, prior and informed consent was sought through the communities' own institutions.",
            "Information on the project was shared months before any decision was asked for.",
            "The agreement includes benefit sharing and the right to revisit consent.",
            "An independent facilitator documented every meeting of the consent process.",
        ],
    ),
    "smelter": (
        "Smelter certification scheme",
        [
            "Smelters and refiners are certified against a responsible minerals standard.",
            "Certification requires a management system for supply-chain risks.",
            "Certified smelters publish the countries their material comes from.",
            "Downstream buyers source only from certified smelters and refiners.",
            "The certification scheme is recognised by regulators in several markets.",
        ],
    ),
    "policy": (
        "Public policy on critical raw materials",
        [
            "The regulation sets due diligence obligations for importers of critical minerals.",
            "Member states fund strategic projects that meet environmental and social criteria.",
            "Public procurement rewards products with traceable and recycled materials.",
            "A national contact point handles complaints about companies' conduct abroad.",
            "The policy was designed with industry, civil society and researchers.",
        ],
    ),
    "reporting": (
        "Supply-chain reporting system",
        [
            "Suppliers report their sources through a common questionnaire every year.",
            "The reporting system scores risks by country, mineral and supplier.",
            "Reports are checked against customs data and audit results.",
            "A public dashboard shows progress against the company's sourcing targets.",
            "Suppliers who do not report are visited and supported before any exclusion.",
        ],
    ),
}
GENERIC = [
    "The initiative started as a pilot and now covers several countries.",
    "Partners include mining companies, manufacturers, NGOs and local authorities.",
    "Costs are shared between the companies that benefit from the results.",
    "Progress is reviewed every year with the stakeholders involved.",
    "Lessons from the first years were written up and shared with the sector.",
    "Funding came from industry members and a public development agency.",
]
TRANSFER = [
    "Other organisations can start with one site or one supplier and extend step by step.",
    "Transfer needs a local partner trusted by the communities concerned.",
    "The tools are open source and can be adapted to other minerals.",
    "Smaller companies can join through an industry association rather than alone.",
    "A clear budget for the first three years makes the transfer realistic.",
]
QUALIFIERS = ["in the DRC", "in Chile", "in Indonesia", "in Rwanda", "in Peru", "in Europe",
              "in Australia", "in Bolivia", "in Zambia", "in Finland", "for suppliers",
              "for smelters", "for recyclers", "for automotive makers"]  # fmt: skip
TRANSLATIONS = {
    "es": ("Iniciativa sobre {theme}", "Práctica de abastecimiento responsable con trazabilidad "
           "y diligencia debida en la cadena de suministro de minerales."),
    "fr": ("Initiative sur {theme}", "Pratique d'approvisionnement responsable avec traçabilité "
           "et devoir de vigilance dans la chaîne des minerais."),
}  # fmt: skip


def _paragraph(rng: random.Random, theme: str, other: str, sentences: int) -> str:
    own = THEMES[theme][1]
    parts = rng.sample(own, min(sentences - 1, len(own)))
    parts.append(rng.choice(THEMES[other][1] + GENERIC))
    rng.shuffle(parts)
    return " ".join(parts)


def drop_previous() -> None:
    from knowledge.models import Case, ImpactArea

    Case.objects.filter(slug__startswith=SLUG_PREFIX).delete()
    ImpactArea.objects.filter(title__startswith=AREA_PREFIX).delete()


def build(seed: int = 11) -> dict:
    from django.db import connection, transaction

    from knowledge.models import Case, CaseIssue, ImpactArea, ImpactIssue
    from knowledge.vocabularies import CaseType, Maturity, Mineral
    from people.vocabularies import Region, Sector, ValueChainStage

    rng = random.Random(seed)
    drop_previous()
    themes = list(THEMES)
    with transaction.atomic():
        areas = ImpactArea.objects.bulk_create(
            [
                ImpactArea(title=f"{AREA_PREFIX}Impact area {a + 1}", position=a)
                for a in range(AREAS)
            ]
        )
        issues = ImpactIssue.objects.bulk_create(
            [
                ImpactIssue(area=areas[i % AREAS], title=f"Impact issue {i + 1}", position=i)
                for i in range(ISSUES)
            ]
        )
        sectors = [v for v in Sector.values if v]
        regions = [v for v in Region.values if v]
        stages = [v for v in ValueChainStage.values if v]
        cases = []
        for n in range(CASES):
            theme, other = rng.sample(themes, 2)
            title = THEMES[theme][0]
            name = f"{title} {rng.choice(QUALIFIERS)} #{n + 1}"
            case = Case(
                slug=f"{SLUG_PREFIX}{n + 1}",
                name=name,
                summary=_paragraph(rng, theme, other, 3),
                good_practice=_paragraph(rng, theme, other, 4)
                + "\n\n"
                + _paragraph(rng, theme, other, 3),
                transfer=" ".join(rng.sample(TRANSFER, 2)),
                case_type=rng.choice(CaseType.values),
                maturity=rng.choice(Maturity.values),
                sectors=rng.sample(sectors, rng.randint(1, 2)),
                minerals=rng.sample(Mineral.values, rng.randint(1, 3)),
                stages=rng.sample(stages, rng.randint(1, 2)),
                regions=rng.sample(regions, 1),
                countries=[],
                status=Case.Status.ACCEPTED,
                version=rng.randint(1, 4),
            )
            if n % 5 == 0:
                code = "es" if n % 10 == 0 else "fr"
                name_tpl, summary = TRANSLATIONS[code]
                setattr(case, f"name_in_{code}", name_tpl.format(theme=title.lower()))
                setattr(case, f"summary_in_{code}", summary)
            cases.append(case)
        cases = Case.objects.bulk_create(cases, batch_size=500)
        mappings = [
            CaseIssue(case=case, issue=issue)
            for case in cases
            for issue in rng.sample(issues, rng.randint(3, 8))
        ]
        CaseIssue.objects.bulk_create(mappings, batch_size=2000)
    with connection.cursor() as cursor:
        # As autovacuum would on a database in use: the previous run's rows are gone.
        cursor.execute("VACUUM ANALYZE knowledge_case")
        cursor.execute("VACUUM ANALYZE knowledge_caseissue")
    return {"cases": len(cases), "issues": len(issues), "mappings": len(mappings)}


def keep_matrix_cases() -> int:
    """Leave ``MATRIX_CASES`` of the bench cases accepted (the others proposed)."""
    from django.db import connection

    from knowledge.models import Case

    bench = Case.objects.filter(slug__startswith=SLUG_PREFIX)
    keep = list(bench.order_by("pk").values_list("pk", flat=True)[:MATRIX_CASES])
    bench.exclude(pk__in=keep).update(status=Case.Status.PROPOSED)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE knowledge_case")
    return Case.objects.filter(status=Case.Status.ACCEPTED).count()


def drop_site_previous() -> None:
    from django.contrib.auth import get_user_model

    from consult.models import Process
    from knowledge.models import Roadmap

    Roadmap.objects.filter(consultation__process__slug=SITE_PREFIX).delete()
    Process.objects.filter(slug=SITE_PREFIX).delete()
    get_user_model().objects.filter(username=SITE_PREFIX).delete()


def build_consultations(seed: int = 12) -> dict:
    """``CONSULTATIONS`` public consultations of one process, two versions of
    ``SECTIONS`` sections each written from the themes (a fifth translated into Spanish
    or French), the first ``ROADMAPS`` closed and published as roadmaps; bulk inserted."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from consult.models import Consultation, Process, Section, SectionText, Version
    from knowledge.models import Roadmap

    rng = random.Random(seed)
    drop_site_previous()
    themes = list(THEMES)
    now = timezone.now()
    types = ["vision", "milestone", "action", "context"]
    with transaction.atomic():
        owner = get_user_model().objects.create(username=SITE_PREFIX)
        process = Process.objects.create(title="[bench] Search", slug=SITE_PREFIX, owner=owner)
        consultations = []
        for n in range(CONSULTATIONS):
            theme, other = rng.sample(themes, 2)
            closed = n < ROADMAPS
            consultation = Consultation(
                process=process,
                title=f"{THEMES[theme][0]}: draft roadmap {n + 1}",
                slug=f"c{n + 1}",
                summary=_paragraph(rng, theme, other, 3),
                language="en",
                status=Consultation.Status.CLOSED if closed else Consultation.Status.OPEN,
                opens_at=now - dt.timedelta(days=60 if closed else 1),
                closes_at=now - dt.timedelta(days=1) if closed else now + dt.timedelta(days=30),
            )
            if n % 5 == 0:
                code = "es" if n % 10 == 0 else "fr"
                name_tpl, summary = TRANSLATIONS[code]
                setattr(consultation, f"title_in_{code}", name_tpl.format(theme=theme))
                setattr(consultation, f"summary_in_{code}", summary)
            consultation.theme, consultation.other = theme, other
            consultations.append(consultation)
        consultations = Consultation.objects.bulk_create(consultations, batch_size=500)
        sections = Section.objects.bulk_create(
            [Section(consultation=c) for c in consultations for _ in range(SECTIONS)],
            batch_size=2000,
        )
        versions = Version.objects.bulk_create(
            [
                Version(consultation=c, number=number, title=f"Draft {number}", created_by=owner)
                for c in consultations
                for number in (1, 2)
            ],
            batch_size=1000,
        )
        texts = []
        for i, version in enumerate(versions):
            consultation = consultations[i // 2]
            own = sections[(i // 2) * SECTIONS : (i // 2 + 1) * SECTIONS]
            for position, section in enumerate(own):
                text = SectionText(
                    version=version,
                    section=section,
                    position=position,
                    type=types[position % len(types)],
                    heading=f"{HEADINGS[position % len(HEADINGS)]} {position + 1}",
                    body=_paragraph(rng, consultation.theme, consultation.other, 4),
                    language="en",
                )
                if (i // 2) % 5 == 0:
                    code = "es" if (i // 2) % 10 == 0 else "fr"
                    setattr(text, f"body_in_{code}", TRANSLATIONS[code][1])
                texts.append(text)
        SectionText.objects.bulk_create(texts, batch_size=2000)
        Roadmap.objects.bulk_create(
            [
                Roadmap(
                    consultation=c,
                    version=versions[2 * n + 1],
                    slug=f"{SITE_PREFIX}-{n + 1}",
                    title=c.title,
                    published_at=now,
                    published_by=owner,
                )
                for n, c in enumerate(consultations[:ROADMAPS])
            ]
        )
    with connection.cursor() as cursor:
        for table in ("consult_consultation", "consult_version", "consult_sectiontext",
                      "knowledge_consultation_search", "knowledge_version_search"):  # fmt: skip
            cursor.execute(f"VACUUM ANALYZE {table}")
    return {"consultations": len(consultations), "section_texts": len(texts)}


def vectors_on_the_fly_ms(query: str, repeats: int = 3) -> float:
    """The least time of ``repeats`` to match ``query`` against vectors computed in the
    query from every consultation's latest version (what migration 0005 stores)."""
    from django.db import connection

    sql = """SELECT count(DISTINCT t.version_id) FROM consult_sectiontext t
        WHERE t.version_id IN (SELECT DISTINCT ON (consultation_id) id FROM consult_version
                               ORDER BY consultation_id, number DESC)
          AND knowledge_sectiontext_vector(t) @@ websearch_to_tsquery('english', %s)"""
    best = float("inf")
    with connection.cursor() as cursor:
        for _ in range(repeats):
            started = time.perf_counter()
            cursor.execute(sql, [query])
            cursor.fetchone()
            best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def site_matches(query: str) -> dict[str, int]:
    from django.contrib.auth.models import AnonymousUser

    from consult.translations import current_language
    from knowledge.site_search import search_site

    found = search_site(query=query, language=current_language(), user=AnonymousUser(), limit=0)
    return {group.kind: group.count for group in found.groups}


def matches(query: str) -> int:
    from consult.translations import current_language
    from knowledge.search import search_cases

    return search_cases(query=query, language=current_language()).count()


def run_knowledge(args) -> dict:
    import django

    from bench import room
    from bench.consultation import cpu_seconds, timed_get

    room.ensure_database()
    os.environ.setdefault("STATIC_MANIFEST", "0")
    django.setup()
    from django.core.management import call_command
    from django.urls import NoReverseMatch, reverse

    call_command("migrate", verbosity=0)
    room.log(f"building {CASES} cases")
    started = time.monotonic()
    data = build()
    build_s = time.monotonic() - started
    room.log(f"built in {build_s:.1f}s: {data}")
    found = {q: matches(q) for q in QUERIES}
    room.log(f"matches per query: {found}")
    room.log(f"building {CONSULTATIONS} consultations")
    started = time.monotonic()
    site_data = build_consultations()
    site_build_s = time.monotonic() - started
    room.log(f"built in {site_build_s:.1f}s: {site_data}")
    site_found = {q: site_matches(q) for q in QUERIES}
    room.log(f"site matches per query: {site_found}")
    on_the_fly = vectors_on_the_fly_ms(QUERIES[0])
    room.log(f"vectors computed on the fly: {on_the_fly} ms")
    repository = reverse("knowledge:repository")
    site_search_path = reverse("knowledge:search")
    try:
        matrix_path = reverse("knowledge:matrix")
    except NoReverseMatch:
        matrix_path = None

    servers = room.Servers(1)
    room.log(f"starting Daphne on 127.0.0.1:{servers.ports[0]}")
    servers.start()
    port, server = servers.ports[0], servers.procs[0].pid
    search_times: list[float] = []
    baseline_times: list[float] = []
    matrix_times: list[float] = []
    site_times: list[float] = []
    search_cpu = 0.0
    matrix_kb = None
    accepted_for_matrix = None

    def get(path: str) -> tuple[float, float, bytes]:
        before = cpu_seconds(server)
        elapsed, status, body = timed_get(port, path, None)
        if status != 200:
            raise RuntimeError(f"GET {path} gave {status}")
        return elapsed, cpu_seconds(server) - before, body

    load_before = os.getloadavg()[0]
    try:
        room.log(f"timing {REPEATS} searches each of {len(QUERIES)} queries")
        for round_no in range(WARMUP + REPEATS):
            for query in QUERIES:
                path = f"{repository}?{urllib.parse.urlencode({'q': query})}"
                elapsed, cpu, body = get(path)
                baseline, _cpu, _body = get("/healthz")
                if round_no < WARMUP:
                    if found[query] and b'id="case-' not in body:
                        raise RuntimeError(f"no case listed for {query!r}")
                    continue
                search_times.append(elapsed)
                baseline_times.append(baseline)
                search_cpu += cpu
        room.log(f"timing {REPEATS} site searches each of {len(QUERIES)} queries")
        for round_no in range(WARMUP + REPEATS):
            for query in QUERIES:
                path = f"{site_search_path}?{urllib.parse.urlencode({'q': query})}"
                elapsed, _cpu, body = get(path)
                if round_no < WARMUP:
                    if sum(site_found[query].values()) and b"site-search-hit" not in body:
                        raise RuntimeError(f"no result listed for {query!r}")
                    continue
                site_times.append(elapsed)
        if matrix_path:
            accepted_for_matrix = keep_matrix_cases()
            room.log(f"timing {MATRIX_REPEATS} matrix pages ({accepted_for_matrix} cases)")
            for round_no in range(WARMUP + MATRIX_REPEATS):
                elapsed, _cpu, body = get(matrix_path)
                if round_no < WARMUP:
                    matrix_kb = round(len(body) / 1024, 1)
                else:
                    matrix_times.append(elapsed)
        else:
            room.log("no knowledge:matrix route: matrix_page_p95_ms is null")
    finally:
        load_after = os.getloadavg()[0]
        servers.stop()

    pct, ms = room.percentile, room.ms
    return {
        "scenario": "knowledge",
        "cases": data["cases"],
        "issues": data["issues"],
        "mappings": data["mappings"],
        "queries": len(QUERIES),
        "searches": len(search_times),
        "matches_per_query": found,
        "search_p50_ms": ms(pct(search_times, 50)),
        "search_p95_ms": ms(pct(search_times, 95)),
        "search_server_cpu_ms": ms(search_cpu / max(len(search_times), 1)),
        "baseline_p50_ms": ms(pct(baseline_times, 50)),
        "baseline_p95_ms": ms(pct(baseline_times, 95)),
        "site_consultations": site_data["consultations"],
        "site_section_texts": site_data["section_texts"],
        "site_roadmaps": ROADMAPS,
        "site_matches_per_query": site_found,
        "site_search_p50_ms": ms(pct(site_times, 50)),
        "site_search_p95_ms": ms(pct(site_times, 95)),
        "site_vectors_on_the_fly_ms": on_the_fly,
        "site_build_s": round(site_build_s, 1),
        "matrix_cases": accepted_for_matrix,
        "matrix_issues": data["issues"] if matrix_path else None,
        "matrix_page_p50_ms": ms(pct(matrix_times, 50)),
        "matrix_page_p95_ms": ms(pct(matrix_times, 95)),
        "matrix_page_kb": matrix_kb,
        "measured": "daphne over loopback HTTP: GET /cases/?q=... (page of 50, ranked), "
        "/healthz baseline, /search/?q=..., /impact-matrix/",
        "build_s": round(build_s, 1),
        "cpus": os.cpu_count(),
        "loadavg_1m_before": round(load_before, 2),
        "loadavg_1m_after": round(load_after, 2),
    }
