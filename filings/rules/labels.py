"""What people read for the engine's ids: requirements, finding severities, confidence tags.
Defined once; the pages, the console, the certificate and the impact preview all read them."""

from filings.rules.text import N_

# English, marked for the catalogue: the portal's pages show them in the reader's language.
REQUIREMENT_LABELS = {
    "credit_window": N_("Credit window"),
    "final_assembly": N_("Final assembly in North America"),
    "msrp_cap": N_("MSRP cap"),
    "battery_capacity": N_("Battery capacity"),
    "gvwr": N_("Gross vehicle weight rating"),
    "feoc_battery_components": N_("No FEOC battery components"),
    "feoc_critical_minerals": N_("No FEOC critical minerals"),
    "critical_minerals": N_("Critical-mineral share"),
    "battery_components": N_("Battery-component share"),
}
# How a segment's credit was reached (the result's `credit_basis.method`).
CREDIT_METHOD_LABELS = {
    "critical_minerals_and_battery_components": N_("critical minerals and battery components"),
    "transitional_amount": N_("transitional amount"),
}
# A requirement's status as the pages label it, keyed as `filings.presentation` names it.
STATUS_LABELS = {"met": N_("Met"), "not-met": N_("Not met"), "na": N_("n.a.")}
# A requirement's result as a sentence says it: the engine's share findings and the impact
# preview's summaries (`filings.rulebooks.impact`) write these words.
RESULT_WORDS = {"met": N_("met"), "not met": N_("not met"), "n/a": N_("n/a")}
SEVERITY_LABELS = {"fail": N_("Fails"), "warn": N_("Warning"), "info": N_("Note")}
CONFIDENCE_LABELS = {"V": N_("primary text"), "S": N_("secondary summaries"),
                     "U": N_("unconfirmed reading")}
