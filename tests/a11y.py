"""Accessibility checks in the browser tests, with axe-core (bundled by
axe-playwright-python: nothing is fetched at test time).

``assert_accessible(page, what=...)`` runs axe on the page as it is now and fails on any
violation, of any impact, naming for each the rule, its impact, what it asks for and the
CSS selectors of the elements at fault. Where axe cannot decide a text's contrast
(text drawn over SVG shapes, over another element, or too short to tell: its
"incomplete" results), the contrast is measured here instead and must meet WCAG AA too."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

# The rules run: every WCAG 2.0 and 2.1 success criterion at levels A and AA that axe
# can check automatically, and axe's best practices (one <h1>, landmarks, headings in
# order, regions, ...). WCAG 2.2's new rules (target size) and the AAA ones (enhanced
# contrast) are left out: the product claims 2.1 AA (docs/accessibility.md).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

# Every impact (minor, moderate, serious, critical) fails the test; no rule is turned off.
OPTIONS = {"runOnly": {"type": "tag", "values": TAGS}, "resultTypes": ["violations", "incomplete"]}

_axe = Axe()

# The contrast of one text element (HTML or SVG <text>) against what is drawn under its
# middle: its own background and those of the elements below it at that point (HTML
# backgrounds, SVG shapes' fills, each with its opacity) composited over white; its size decides whether
# WCAG's 4.5:1 or, for large text (24px, or 18.66px bold), 3:1 applies.
MEASURE_CONTRAST = """(selector) => {
  const node = document.querySelector(selector);
  if (!node) return null;
  const parse = (text) => {
    const m = (text || "").match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const v = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1];
  };
  const over = (top, bottom) => [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3]));
  const lum = (c) => {
    const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const opacity = (n) => { let o = 1; for (let e = n; e && e.nodeType === 1; e = e.parentElement) o *= parseFloat(getComputedStyle(e).opacity); return o; };
  const SHAPES = ["rect", "circle", "ellipse", "path", "polygon"];
  node.scrollIntoView({ block: "center", inline: "center" });
  const style = getComputedStyle(node);
  const svgText = node instanceof SVGElement;
  const fg = parse(svgText ? style.fill : style.color);
  if (!fg) return { selector, error: "no colour: " + (svgText ? style.fill : style.color) };
  const r = node.getBoundingClientRect();
  const stack = document.elementsFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  // The node itself (an HTML element's own background is under its text), then what
  // lies under it at that point; if it is covered (or not hit-testable), its ancestors.
  const start = stack.indexOf(node);
  let below = start >= 0 ? stack.slice(start) : [node];
  if (start < 0) for (let e = node.parentElement; e; e = e.parentElement) below.push(e);
  const layers = [];
  for (const e of below) {
    const s = getComputedStyle(e);
    let c = null;
    if (e instanceof SVGElement && SHAPES.includes(e.tagName.toLowerCase())) {
      c = s.fill === "none" ? null : parse(s.fill);
      if (c) c[3] *= parseFloat(s.fillOpacity) * opacity(e);
    } else if (!(e instanceof SVGElement)) {
      if (s.backgroundImage !== "none") return { selector, error: "background image" };
      c = parse(s.backgroundColor);
      if (c) c[3] *= opacity(e);
    }
    if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
  }
  let bg = [255, 255, 255];
  for (const c of layers.reverse()) bg = over(c, bg);
  const text = over([fg[0], fg[1], fg[2], fg[3] * opacity(node)], bg);
  const a = lum(text), b = lum(bg);
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
  const large = size >= 24 || (bold && size >= 18.66);
  return { selector, ratio: Math.round(ratio * 100) / 100, needed: large ? 3 : 4.5,
           text: (node.textContent || "").trim().slice(0, 40),
           fg: text.map(Math.round), bg: bg.map(Math.round) };
}"""


def selector(node: dict) -> str:
    """A node's CSS selector (frames and shadow roots joined with " >> ")."""
    return " >> ".join(t if isinstance(t, str) else " ".join(t) for t in node["target"])


def describe(found: list[dict]) -> str:
    """One paragraph per violation: the rule, its impact and help, and each element's
    CSS selector with what axe says about it."""
    lines = []
    for violation in found:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{violation['helpUrl']}]"
        )
        for node in violation["nodes"]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {selector(node)}: {summary}")
    return "\n".join(lines)


def contrast_failures(page: Page, incomplete: list[dict]) -> list[str]:
    """The texts whose contrast axe left undecided, measured here, that fall short."""
    failures = []
    for result in incomplete:
        if result["id"] != "color-contrast":
            continue
        for node in result["nodes"]:
            got = page.evaluate(MEASURE_CONTRAST, selector(node))
            if got is None:
                continue  # redrawn since axe ran
            if "error" in got or got["ratio"] < got["needed"]:
                failures.append(
                    f"- color-contrast (measured): {got['selector']}: {got}"
                    if "error" in got
                    else f"- color-contrast (measured): {got['selector']} "
                    f"{got['text']!r}: {got['ratio']}:1 < {got['needed']}:1 "
                    f"(text {got['fg']} on {got['bg']})"
                )
    return failures


def assert_accessible(page: Page, *, what: str) -> None:
    """Fail if axe finds any violation on ``page`` (WCAG 2.0 and 2.1 A and AA, and axe's
    best practices; every impact), or a text whose contrast axe could not decide falls
    short of AA when measured; the message lists each rule and element.

    ``what`` names the page in the message. Call it once the page has finished loading
    its live state (``body[data-status=live]`` on the live pages): the markup the
    scripts draw is checked too."""
    results = _axe.run(page, options=OPTIONS).response
    found = results["violations"]
    short = contrast_failures(page, results["incomplete"])
    assert not found and not short, (
        f"{what}: {len(found)} accessibility rule(s) broken, {len(short)} text(s) short "
        f"of contrast\n{describe(found)}\n" + "\n".join(short)
    )
