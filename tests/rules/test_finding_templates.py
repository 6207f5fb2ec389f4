"""Every finding carries the English template it was worded from and the parameters that fill it
in: rendered, they give its `message` exactly, so the portal can show the same finding in
another language. Checked over the sample evidence and over evidence that trips every rule."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest

from filings.evidence import read_evidence
from filings.rules import engine, vin
from filings.rules.results import MAX_NOT_COUNTED_LISTED, MAX_ROWS_PER_FINDING, MAX_VINS_LISTED, Finding
from filings.rules.rulebook import VEHICLE_CLASSES
from filings.rules.text import Text, text_from_dict
from filings.rules.vin import check_digit
from tests.conftest import DATA
from tests.rules.builders import assess_range, component, evidence, mineral, shipped, vehicle

SAMPLES = sorted(p for p in DATA.iterdir() if p.suffix == ".xlsx" and p.stem != "mistakes")


def _valid_vin(stem: str) -> str:
    """`stem` (17 characters, any 9th) with the check digit it needs."""
    return stem[:8] + check_digit(stem[:8] + "0" + stem[9:]) + stem[9:]


def _findings(assessment) -> list[Finding]:
    return [f for segment in assessment.segments for f in segment.findings]


def _sample_findings() -> Iterator[Finding]:
    for path in [*SAMPLES, DATA / "us-pickup-japan-minerals-csv"]:
        ev = read_evidence([path])
        yield from _findings(assess_range(ev, "2022-12-01", "2026-06-30"))


def _every_rule_broken() -> list[Finding]:
    """Evidence whose findings between them use every template the engine has."""
    vins = ["123", "1HGCM82633A00435I", "1HGCM82633A00435*",  # length, letters
            "1HGCM82633A004353",  # check digit
            _valid_vin("JHMCM82630A004352"),  # assigned in Asia, assembled in the US
            _valid_vin("1HGCM82630C004352"),  # model-year code C: 2012, not 2024
            *(f"TOO SHORT {n}" for n in range(MAX_VINS_LISTED))]  # past the ones listed one by one
    feoc_suppliers = [f"Refiner {n}" for n in range(7)]
    minerals = [
        *(mineral(100 + i, feoc=True, supplier=s, value="1") for i, s in enumerate(feoc_suppliers)),
        mineral(120, feoc=True, impracticable_to_trace=True, supplier="Hidden Co"),
        mineral(121, extraction="CN", processing="CN", recycling="CN", value="5"),
        *(mineral(200 + row, extraction="ID", processing="ID", value="1")
          for row in range(MAX_ROWS_PER_FINDING + 5)),
    ]
    components = [component(10, feoc=True, supplier="Volta"), component(11, country="KR")]
    broken = evidence(vehicle_=vehicle(msrp_usd=Decimal(90000), battery_capacity_kwh=Decimal(5), gvwr_lb=Decimal(15000),
                                       vehicle_class="suv"),
                      components=components, minerals=minerals, vins=vins)
    outside = evidence(vehicle_=vehicle(final_assembly_country="JP"))
    nothing = evidence(minerals=[mineral(100, value="0")], components=[component(10, value="0")])
    countries = ["CN", "ID", "CD", "RU", "IN", "BR", "ZA", "PH"]
    varied = evidence(minerals=[mineral(100 + i, extraction=countries[i % 8],
                                        processing=countries[(i // 8) % 8], value=str(1 + i))
                                for i in range(MAX_NOT_COUNTED_LISTED + 14)])
    return [*_findings(assess_range(broken, "2022-12-01", "2026-06-30")),
            *_findings(assess_range(outside, "2023-06-01", "2023-06-30")),
            *_findings(assess_range(nothing, "2024-06-01", "2024-06-30")),
            *_findings(assess_range(varied, "2024-06-01", "2024-06-30"))]


def _templates_in(message: Text) -> Iterator[str]:
    yield message.template
    for _, value in message.params:
        if isinstance(value, Text):
            yield from _templates_in(value)


def _module_templates(*modules) -> set[str]:
    """The message templates the modules define: their private upper-case text constants
    (each marked with `N_`), the VIN model-year alphabet aside."""
    return {value for module in modules for name, value in vars(module).items()
            if re.fullmatch(r"_[A-Z0-9_]+", name) and isinstance(value, str)
            and name != "_YEAR_CODES"}


def test_every_sample_finding_renders_from_its_template_to_its_message():
    findings = list(_sample_findings())

    assert len(findings) > 10
    for finding in findings:
        assert finding.template
        assert finding.text.render() == finding.message


def test_findings_that_break_every_rule_render_from_their_templates_to_their_messages():
    findings = _every_rule_broken()

    for finding in findings:
        assert finding.template
        assert finding.text.render() == finding.message
    used = {template for f in findings for template in _templates_in(f.text)}
    defined = _module_templates(engine, vin)
    assert len(defined) > 30
    assert defined - used == set(), "templates no finding used: add evidence that reaches them"
    assert "suv" in used  # the vehicle class is a word of its own, translated too


def test_a_stored_finding_gives_back_its_template_and_parameters():
    [finding] = [f for f in _every_rule_broken() if f.requirement == "msrp_cap"][:1]

    stored = finding.to_dict()
    again = text_from_dict(stored["template"], stored["params"])

    assert again == finding.text
    assert again is not None and again.render() == stored["message"]


def test_a_stored_finding_without_a_template_gives_none():
    assert text_from_dict(None, None) is None
    assert text_from_dict("", {}) is None
    assert text_from_dict("%(x)s", ["not", "a", "mapping"]) is None


def test_translating_a_finding_translates_its_words_too():
    [share] = [f for f in _every_rule_broken() if f.requirement == "battery_components"
               and "% of the battery-component value" in f.message][:1]

    marked = share.text.render(lambda template: f"«{template}»")

    assert "of the «battery-component» value" in marked
    assert "in service «2023-04-18 to 2023-12-31»: «met».»" in marked


def test_the_vehicle_class_words_are_the_rulebooks_classes():
    assert set(engine.VEHICLE_CLASS_WORDS) == set(VEHICLE_CLASSES)


def test_the_mineral_words_are_the_shipped_rulebooks_minerals():
    minerals = shipped().critical_minerals.applicable_minerals

    assert set(engine.MINERAL_WORDS) == minerals
    assert len(engine.MINERAL_WORDS) == len(minerals)


def test_a_mineral_a_finding_names_is_a_word_translated_with_it():
    not_counted = next(f for f in _every_rule_broken() if f.message.startswith("Not qualifying: ")
                       and "recycled in" in f.message)

    marked = not_counted.text.render(lambda template: f"«{template}»")

    assert "«Not qualifying: «lithium» extracted in CN (China)" in marked


@pytest.mark.parametrize("stem", ["123", "1HGCM82633A00435I", "1HGCM82633A004353"])
def test_a_vin_problem_is_the_rendering_of_its_text(stem):
    problem = vin.vin_problem_text(stem)

    assert problem is not None and vin.vin_problem(stem) == problem.render()


def test_a_finding_made_by_the_engine_is_equal_only_with_the_same_template():
    one = Finding.of("gvwr", "fail", Text("%(x)s lb", (("x", "1"),)))
    other = Finding("gvwr", "fail", "1 lb")

    assert one.message == other.message
    assert one != other
