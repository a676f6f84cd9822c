"""axe-core (from the npm registry, served from node_modules, never a CDN) on every page of every
persona in the three languages, and a phone-width sweep: no sideways scroll, 44-px targets, a
header of at most 64 px. The context bypasses CSP only to inject axe; the pages keep theirs."""

from pathlib import Path

import pytest

from tests.e2e.site_pages import build_site, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
LANGUAGES = ["en", "es", "pt"]

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
}"""

# Interactive elements smaller than 44 px high, ignoring text links inside running text.
SMALL_TARGETS = """() => {
  const small = [];
  for (const el of document.querySelectorAll("a[href], button, select, input:not([type=hidden]), textarea, summary")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const inText = el.closest("p, li, dd, td, th, .small, .form-text, footer");
    if (inText && el.tagName === "A" && !el.classList.contains("btn")) continue;
    if (el.matches(".visually-hidden-focusable")) continue;
    if (el.type === "checkbox" || el.type === "radio") {
      const row = el.closest(".form-check");
      if (row && row.getBoundingClientRect().height >= 44) continue;
    }
    const name = (el.textContent || el.name || "").trim().slice(0, 30);
    if (box.height < 44) small.push(`${el.tagName}${el.id ? "#" + el.id : ""} ${name} ${Math.round(box.height)}`);
  }
  return small;
}"""


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    return build_site()


def _pages_for(page, live_server, site, persona, language):
    if persona == "focal_point":
        sign_in(page, live_server.url, site["focal_point_email"], language)
    return [path for who, path in site["pages"] if who == persona]


def _new_page(browser, **options):
    context = browser.new_context(bypass_csp=True, locale="es-CO", timezone_id="America/Bogota", **options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


PERSONAS = ["public", "participant", "focal_point"]  # in this order: the focal point signs in last
PHONE_WIDTHS = [360, 390]
DESKTOP = {"width": 1280, "height": 800}


def _phone_problems(page, width):
    """What is wrong with the page as laid out at ``width``: sideways scroll, a tall header, small targets."""
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    header = page.evaluate("document.querySelector('header').getBoundingClientRect().height")
    small = page.evaluate(SMALL_TARGETS)
    issues = []
    if scroll_width > width:
        issues.append(f"scrollWidth {scroll_width} > {width}")
    if header > 64:
        issues.append(f"header {header:.0f} px")
    if small:
        issues.append(f"small targets {small[:5]}")
    return issues


def _check_phone_widths(page):
    """The page as a phone lays it out at each width (media queries apply again without a reload)."""
    problems = {}
    for width in PHONE_WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        assert page.evaluate("window.innerWidth") == width
        if issues := _phone_problems(page, width):
            problems[width] = issues
    return problems


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_passes_axe_and_fits_a_phone_with_big_targets_and_a_short_header(
    live_server, _chromium, site, language
):
    """One visit per page for both checks: it opens at a phone's width (so that whatever the page
    sets up as it loads, it sets up for a phone), is measured at 360 and 390 px, then widened to
    1280 px for axe. The demo is loaded and each page fetched once for both checks, not once each."""
    context, page = _new_page(_chromium, viewport={"width": PHONE_WIDTHS[0], "height": 800})
    # axe is handed to the browser once and runs in every page this context opens (an init script),
    # rather than sent again with each page (add_script_tag: a third of the sweep's time).
    context.add_init_script(path=str(AXE))
    violations_found, phone_problems = {}, {}
    try:
        for persona in PERSONAS:
            for path in _pages_for(page, live_server, site, persona, language):
                page.set_viewport_size({"width": PHONE_WIDTHS[0], "height": 800})
                page.goto(f"{live_server.url}/{language}{path}")
                for width, issues in _check_phone_widths(page).items():
                    phone_problems[f"{width} px {path}"] = issues
                page.set_viewport_size(DESKTOP)
                if violations := page.evaluate(RUN_AXE):
                    violations_found[f"{persona} {path}"] = violations
            if persona == "public":
                # The register form with its errors shown.
                page.goto(
                    f"{live_server.url}/{language}/registrations/sessions/{site['pages'][1][1].split('/')[2]}/register/"
                )
                page.locator("form.registration-form button[type=submit]").click()
                page.wait_for_selector("#error-summary")
                if violations := page.evaluate(RUN_AXE):
                    violations_found["register with errors"] = violations
    finally:
        context.close()

    assert (violations_found, phone_problems) == ({}, {})
