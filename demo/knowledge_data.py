"""The demo's knowledge repository: a small impact-area vocabulary after the programme's
mapping template, and twenty good-practice cases written for the demo (the kinds of
initiative follow the programme's seed list; the texts are our own and describe each
case only in general terms)."""

from __future__ import annotations

# (area, [issues])
VOCABULARY: list[tuple[str, list[str]]] = [
    (
        "Environmental issues in large-scale mining",
        [
            "Mining waste and its disposal",
            "Water contamination from large-scale mining",
            "Biodiversity loss around mine sites",
            "Energy use and greenhouse-gas emissions of extraction and refining",
        ],
    ),
    (
        "Social issues and human rights in large-scale mining",
        [
            "Rights of indigenous peoples and free, prior and informed consent",
            "Preventing the funding of armed groups",
            "Occupational health and safety",
            "Sharing the benefits with host communities",
        ],
    ),
    (
        "Transparency, traceability and due diligence",
        [
            "Sector guidelines for reporting on due diligence",
            "Independent third-party audit of supply-chain due diligence",
            "Fraudulent misrepresentation of the origin of minerals",
            "Certification schemes along the value chain",
        ],
    ),
    (
        "Artisanal and small-scale mining",
        [
            "Environmental, social and governance practice in artisanal mining",
            "Human rights and child labour in artisanal mining",
            "Mercury and other environmental harm of artisanal gold mining",
            "Formalisation and access to responsible markets",
        ],
    ),
    (
        "Circular economy",
        [
            "Recycling and secondary raw materials",
            "Design of products for recovery and repair",
        ],
    ),
]

# Each case: name, type, maturity, sectors, minerals, stages, regions, summary,
# good practice, transfer, issues (area index, issue index), links.
CASES: list[dict] = [
    {
        "name": "Responsible copper standard",
        "case_type": "private_sectoral",
        "maturity": "established",
        "sectors": ["renewable_energy", "electronics"],
        "minerals": ["copper"],
        "stages": ["upstream", "midstream"],
        "regions": ["latin_america", "sub_saharan_africa"],
        "summary": "A sector-wide standard that copper producers meet site by site, "
        "checked by independent assessors, so that buyers can name responsibly produced copper.",
        "good_practice": "- One standard for mines, smelters and refiners\n"
        "- Site assessments by accredited third parties\n"
        "- Public summaries of every assessment",
        "transfer": "Other base-metal sectors can adopt the site-level approach; start with "
        "the criteria buyers already ask about and publish assessment summaries from the start.",
        "issues": [(0, 0), (0, 1), (1, 0), (2, 1), (2, 3)],
    },
    {
        "name": "Just gold from artisanal mines",
        "case_type": "private_value_chain",
        "maturity": "emerging",
        "sectors": ["electronics"],
        "minerals": ["gold"],
        "stages": ["upstream"],
        "regions": ["sub_saharan_africa"],
        "summary": "A project that buys gold from artisanal miners who trace it from the "
        "pit to the exporter, paying them a fair price and keeping it out of conflict financing.",
        "good_practice": "- Miners record every lot they sell\n"
        "- Legal export channel instead of smuggling\n"
        "- Training on safe, mercury-free processing",
        "transfer": "Works where a legal export channel exists; partner with local "
        "cooperatives and plan for the cost of traceability in the first years.",
        "issues": [(1, 1), (3, 0), (3, 1), (3, 2), (3, 3), (2, 2)],
    },
    {
        "name": "Electronics workers' rights network",
        "case_type": "private_value_chain",
        "maturity": "established",
        "sectors": ["electronics"],
        "minerals": ["tin", "tantalum", "gold"],
        "stages": ["downstream"],
        "regions": ["asia", "europe"],
        "summary": "A network of civil-society organisations that documents working "
        "conditions in electronics factories and presses brands to remedy abuses.",
        "good_practice": "- Worker testimonies collected safely\n- Public reports brands must answer",
        "transfer": "Brands in other sectors can open the same channel for complaints from "
        "their suppliers' workers.",
        "issues": [(1, 2)],
    },
    {
        "name": "National enforcement of the EU conflict minerals regulation",
        "case_type": "public_policy_national",
        "maturity": "established",
        "sectors": ["electronics", "mobility"],
        "minerals": ["tin", "tantalum", "tungsten", "gold"],
        "stages": ["midstream"],
        "regions": ["europe"],
        "summary": "How a member state checks that importers of tin, tantalum, tungsten "
        "and gold carry out the supply-chain due diligence the regulation requires.",
        "good_practice": "- Risk-based checks of importers\n- Guidance for small importers",
        "transfer": "Authorities starting their checks can reuse the risk criteria and the "
        "guidance written for small importers.",
        "issues": [(1, 1), (2, 0), (2, 1), (3, 1)],
    },
    {
        "name": "National strategies for a sustainable lithium value chain",
        "case_type": "public_policy_national",
        "maturity": "emerging",
        "sectors": ["mobility", "renewable_energy"],
        "minerals": ["lithium"],
        "stages": ["upstream", "midstream", "recycling"],
        "regions": ["europe"],
        "summary": "Strategies of member states for mining, refining and recycling lithium "
        "in Europe under high environmental and social standards.",
        "good_practice": "- Environmental conditions set before permits\n"
        "- Recycling targets alongside new mining",
        "transfer": "Useful for any country planning a battery-materials strategy: pair "
        "extraction with recycling from the start.",
        "issues": [(0, 0), (0, 1), (1, 0), (2, 0), (4, 0)],
    },
    {
        "name": "Battery regulation's due-diligence duties",
        "case_type": "public_policy_eu",
        "maturity": "emerging",
        "sectors": ["mobility", "renewable_energy"],
        "minerals": ["cobalt", "lithium", "nickel", "graphite"],
        "stages": ["upstream", "midstream", "downstream", "recycling"],
        "regions": ["europe"],
        "summary": "EU rules asking companies that place batteries on the market to carry "
        "out due diligence on cobalt, lithium, nickel and natural graphite.",
        "good_practice": "- Due diligence made a market condition\n- Recycled content targets",
        "transfer": "Other product regulations can tie market access to due diligence on "
        "the raw materials they contain.",
        "issues": [(2, 0), (2, 1), (4, 0), (4, 1)],
    },
    {
        "name": "Blockchain traceability of cobalt",
        "case_type": "company_technology",
        "maturity": "emerging",
        "sectors": ["mobility", "electronics"],
        "minerals": ["cobalt"],
        "stages": ["upstream", "midstream"],
        "regions": ["sub_saharan_africa", "asia"],
        "summary": "A shared ledger that records each batch of cobalt from the mine to the "
        "refinery, so that buyers can check where it came from.",
        "good_practice": "- Records that cannot be changed afterwards\n"
        "- Data shared only with those who need it",
        "transfer": "The ledger proves only what is entered: combine it with checks at the "
        "points where material enters the chain.",
        "issues": [(2, 2), (2, 0)],
    },
    {
        "name": "Conflict minerals reporting template",
        "case_type": "company_reporting",
        "maturity": "established",
        "sectors": ["electronics"],
        "minerals": ["tin", "tantalum", "tungsten", "gold"],
        "stages": ["midstream", "downstream"],
        "regions": ["north_america", "asia", "europe"],
        "summary": "A free, common form that suppliers fill in once to tell all their "
        "customers which smelters and refiners are in their supply chain.",
        "good_practice": "- One form for the whole industry\n- Smelter lists checked against audits",
        "transfer": "A common form saves suppliers' time in any sector where many buyers "
        "ask the same questions.",
        "issues": [(2, 0), (2, 1)],
    },
    {
        "name": "Independent assurance of mine sites",
        "case_type": "private_sectoral",
        "maturity": "established",
        "sectors": ["renewable_energy", "mobility", "electronics"],
        "minerals": ["other"],
        "stages": ["upstream"],
        "regions": ["latin_america", "north_america", "sub_saharan_africa"],
        "summary": "Independent third-party audits of industrial mine sites against one "
        "comprehensive standard, governed equally by industry, civil society, workers and buyers.",
        "good_practice": "- Governance shared by all stakeholder groups\n"
        "- Audit reports published in full",
        "transfer": "Shared governance builds trust; budget for the time it takes to agree.",
        "issues": [(0, 0), (0, 1), (0, 2), (1, 0), (1, 2), (1, 3), (2, 1)],
    },
    {
        "name": "Responsible cobalt initiative",
        "case_type": "private_value_chain",
        "maturity": "emerging",
        "sectors": ["mobility", "electronics"],
        "minerals": ["cobalt"],
        "stages": ["upstream", "midstream", "downstream"],
        "regions": ["asia", "sub_saharan_africa"],
        "summary": "Upstream and downstream companies aligning their cobalt supply-chain "
        "policies with international due-diligence guidance and acting together on child labour.",
        "good_practice": "- Common policy across the value chain\n- Joint work on child labour",
        "transfer": "Joining forces across the chain gives weight where single buyers have little.",
        "issues": [(2, 2), (2, 3), (3, 1)],
    },
    {
        "name": "Responsible steel certification",
        "case_type": "private_sectoral",
        "maturity": "established",
        "sectors": ["mobility", "renewable_energy"],
        "minerals": ["iron"],
        "stages": ["midstream"],
        "regions": ["europe", "asia", "oceania"],
        "summary": "A certification of steel sites that covers emissions, water, "
        "biodiversity, workers' rights and the responsible sourcing of raw materials.",
        "good_practice": "- Emissions thresholds that tighten over time\n- Sourcing requirements",
        "transfer": "Thresholds that tighten in steps let sites join early and improve.",
        "issues": [(0, 3), (1, 2), (2, 3)],
    },
    {
        "name": "Mercury-free gold processing",
        "case_type": "company_technology",
        "maturity": "emerging",
        "sectors": ["electronics"],
        "minerals": ["gold"],
        "stages": ["upstream"],
        "regions": ["latin_america", "sub_saharan_africa"],
        "summary": "Gravity and other mercury-free methods that artisanal miners can run "
        "themselves, recovering as much gold without poisoning rivers.",
        "good_practice": "- Equipment cooperatives can afford\n- Training by miners for miners",
        "transfer": "Demonstrate the recovery rate on site: miners switch when they see "
        "they lose no gold.",
        "issues": [(3, 2), (3, 0)],
    },
    {
        "name": "Community development agreements",
        "case_type": "company_management",
        "maturity": "established",
        "sectors": ["renewable_energy"],
        "minerals": ["copper", "nickel"],
        "stages": ["upstream"],
        "regions": ["latin_america", "oceania"],
        "summary": "Binding agreements between a mining company and host communities on "
        "jobs, revenue sharing, grievance handling and the land after closure.",
        "good_practice": "- Negotiated before construction\n- A grievance mechanism with a deadline",
        "transfer": "Give communities the means to get independent advice during the negotiation.",
        "issues": [(1, 0), (1, 3)],
    },
    {
        "name": "Tailings storage disclosure",
        "case_type": "private_sectoral",
        "maturity": "emerging",
        "sectors": ["renewable_energy", "mobility"],
        "minerals": ["copper", "iron", "other"],
        "stages": ["upstream"],
        "regions": ["latin_america", "europe", "oceania"],
        "summary": "Mining companies publishing the location, design and risk of every "
        "tailings storage facility they run, after dam failures showed the cost of silence.",
        "good_practice": "- One public register of facilities\n- Independent review of high-risk dams",
        "transfer": "Start with a register: what is listed can be monitored.",
        "issues": [(0, 0), (0, 1)],
    },
    {
        "name": "Battery recycling partnership",
        "case_type": "company_management",
        "maturity": "emerging",
        "sectors": ["mobility"],
        "minerals": ["cobalt", "lithium", "nickel"],
        "stages": ["recycling"],
        "regions": ["europe"],
        "summary": "Car makers and a recycler taking back electric-vehicle batteries and "
        "returning the recovered metals to new battery production.",
        "good_practice": "- Take-back built into the sale\n- Recovered metals traced back to use",
        "transfer": "Agree on who owns the battery at the end of its life before it is sold.",
        "issues": [(4, 0), (4, 1), (0, 3)],
    },
    {
        "name": "Formalising artisanal cobalt mining",
        "case_type": "private_value_chain",
        "maturity": "unresolved",
        "sectors": ["mobility", "electronics"],
        "minerals": ["cobalt"],
        "stages": ["upstream"],
        "regions": ["sub_saharan_africa"],
        "summary": "Attempts to give artisanal cobalt miners legal sites, safer working "
        "conditions and access to buyers who would otherwise avoid them.",
        "good_practice": "- Legal sites with basic safety\n- No children on site, checked daily",
        "transfer": "The challenge is still open: progress needs buyers, government and "
        "cooperatives to act together.",
        "issues": [(3, 0), (3, 1), (3, 3), (1, 2)],
    },
    {
        "name": "Graphite supplier code and audits",
        "case_type": "company_management",
        "maturity": "emerging",
        "sectors": ["mobility"],
        "minerals": ["graphite"],
        "stages": ["midstream"],
        "regions": ["asia"],
        "summary": "A battery maker's code for its graphite suppliers, with audits on "
        "dust, water and workers' safety at processing plants.",
        "good_practice": "- Code written with suppliers\n- Follow-up audits on corrective plans",
        "transfer": "Write the code with the suppliers who must meet it.",
        "issues": [(0, 1), (1, 2), (2, 1)],
    },
    {
        "name": "Open data on mining payments",
        "case_type": "public_policy_eu",
        "maturity": "established",
        "sectors": ["renewable_energy", "mobility", "electronics"],
        "minerals": ["other"],
        "stages": ["upstream"],
        "regions": ["europe", "sub_saharan_africa", "latin_america"],
        "summary": "Rules asking extractive companies to publish what they pay to "
        "governments, country by country and project by project.",
        "good_practice": "- Payments per project\n- Data published in machine-readable form",
        "transfer": "Machine-readable publication is what lets citizens and journalists use it.",
        "issues": [(1, 3), (2, 0)],
    },
    {
        "name": "Indigenous consent protocol",
        "case_type": "company_management",
        "maturity": "unresolved",
        "sectors": ["renewable_energy"],
        "minerals": ["lithium", "copper"],
        "stages": ["upstream"],
        "regions": ["latin_america"],
        "summary": "A company protocol for seeking the free, prior and informed consent of "
        "indigenous communities before exploration on their land.",
        "good_practice": "- Consent sought before exploration, not after\n"
        "- The community chooses its representatives",
        "transfer": "Still contested in practice: share the protocol and what went wrong, not "
        "only what worked.",
        "issues": [(1, 0), (0, 2)],
    },
    {
        "name": "Smelter audit programme",
        "case_type": "private_sectoral",
        "maturity": "established",
        "sectors": ["electronics", "mobility"],
        "minerals": ["tin", "tantalum", "tungsten", "gold", "cobalt"],
        "stages": ["midstream"],
        "regions": ["asia", "europe", "north_america"],
        "summary": "Independent audits of smelters and refiners, the narrow point of the "
        "chain, against a due-diligence standard; buyers source from those that pass.",
        "good_practice": "- Audit the chain where it is narrowest\n- Public list of conformant smelters",
        "transfer": "Focus assurance where few companies handle most of the material.",
        "issues": [(2, 1), (2, 2), (1, 1)],
    },
]

# Actions still needed: (text, actor group, horizon, case name or None, (area, issue) or
# None), written for the demo.
ACTIONS: list[tuple[str, str, int, str | None, tuple[int, int] | None]] = [
    (
        "Publish the results of tailings-dam inspections in one public register.",
        "policy",
        2030,
        "Tailings storage disclosure",
        (0, 0),
    ),
    (
        "Fund mercury-free processing equipment for cooperatives through blended finance.",
        "finance",
        2030,
        "Mercury-free gold processing",
        None,
    ),
    (
        "Agree one audit protocol for smelters so that one audit serves every buyer.",
        "industry_downstream",
        2030,
        "Smelter audit programme",
        None,
    ),
    (
        "Give affected communities a say in choosing the auditors of their mine sites.",
        "civil_society",
        2040,
        None,
        (2, 1),
    ),
    (
        "Set recycled-content targets for battery materials and report on them yearly.",
        "industry_downstream",
        2040,
        "Battery recycling partnership",
        (4, 0),
    ),
    (
        "Study how formal artisanal cobalt sites change children's school attendance.",
        "research",
        2040,
        "Formalising artisanal cobalt mining",
        (3, 1),
    ),
    (
        "Make free, prior and informed consent a condition of every new mining permit.",
        "policy",
        2050,
        None,
        (1, 0),
    ),
]
