"""Accessibility checks run inside the page: axe-core's rules, and the browser's own
answer to "which label belongs to this control?".

axe-core is vendored (tests/vendor/axe-core-<version>/, MPL-2.0): browser and
registry downloads are not available while the suite runs. Pages are opened in a
context with ``bypass_csp`` so the injected script may run under Handraise's
strict Content-Security-Policy; nothing else about the page changes.
"""

import json
from dataclasses import dataclass
from pathlib import Path

AXE_VERSION = "4.14.1"
AXE_SCRIPT = (
    Path(__file__).resolve().parents[1] / "vendor" / f"axe-core-{AXE_VERSION}" / "axe.min.js"
)
BLOCKING = ("serious", "critical")


@dataclass(frozen=True)
class Finding:
    """One axe rule that failed ("violation") or that axe could not decide ("needs review")."""

    page: str
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]
    verdict: str = "violation"

    @property
    def blocking(self) -> bool:
        return self.verdict == "violation" and self.impact in BLOCKING

    def __str__(self) -> str:
        where = ", ".join(self.targets[:4]) + (" ..." if len(self.targets) > 4 else "")
        return f"{self.verdict} [{self.impact}] {self.page}: {self.rule} ({self.help}) at {where}"


# Everything axe reported in this run, for the terminal summary.
FINDINGS: list[Finding] = []


def audit(page, name: str, report_dir: Path) -> list[Finding]:
    """Run axe on the page as it is now; keep its answer as JSON beside the screenshots."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=AXE_SCRIPT)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations', 'incomplete']})")
    kept = {key: result[key] for key in ("violations", "incomplete")}
    kept["rules_passed"] = len(result["passes"])
    (report_dir / f"axe-{name}.json").write_text(json.dumps(kept, indent=2))
    found = [
        Finding(
            page=name,
            rule=item["id"],
            impact=item["impact"] or "unknown",
            help=item["help"],
            targets=tuple(" ".join(map(str, node["target"])) for node in item["nodes"]),
            verdict=verdict,
        )
        for key, verdict in (("violations", "violation"), ("incomplete", "needs review"))
        for item in result[key]
    ]
    assert kept["rules_passed"] > 10, f"axe checked almost nothing on {name}: {result}"
    FINDINGS.extend(found)
    return found


def control_problems(page) -> list[str]:
    """What the browser cannot tie to a form control: its label, or its description.

    Asks the page itself: ids used more than once, visible controls with no label
    the browser can find (axe matches ``for`` by the id string, so it misses the
    second control of a duplicated id, which the browser leaves unnamed), and
    ``aria-describedby`` / ``aria-labelledby`` naming elements that do not exist
    (an error message or help text the screen reader never reads out).
    """
    return page.evaluate(
        """() => {
            const problems = [];
            const counts = new Map();
            for (const el of document.querySelectorAll('[id]')) {
                counts.set(el.id, (counts.get(el.id) || 0) + 1);
            }
            for (const [id, count] of counts) {
                if (count > 1) problems.push(`id "${id}" is used ${count} times`);
            }
            const controls = document.querySelectorAll(
                'input:not([type=hidden]), select, textarea');
            for (const el of controls) {
                if (el.closest('[hidden]')) continue;
                const what = `<${el.localName} name="${el.name}">`;
                const named = el.labels.length || el.getAttribute('aria-label')
                    || el.getAttribute('aria-labelledby') || el.title;
                if (!named) {
                    const where = el.closest('section')?.querySelector('h2')?.textContent;
                    problems.push(`${what}${where ? ` in "${where}"` : ''} has no label`);
                }
                for (const attribute of ['aria-describedby', 'aria-labelledby']) {
                    for (const id of (el.getAttribute(attribute) || '').split(/\\s+/)) {
                        if (id && !document.getElementById(id)) {
                            problems.push(`${what} has ${attribute}="${id}": not on the page`);
                        }
                    }
                }
            }
            return problems;
        }"""
    )
