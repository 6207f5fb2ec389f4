"""What people read for the engine's ids: requirements, finding severities, confidence tags.
Defined once; the pages, the console, the certificate and the impact preview all read them."""

from filings.rules.text import N_

REQUIREMENT_LABELS = {
    "credit_window": "Credit window",
    "final_assembly": "Final assembly in North America",
    "msrp_cap": "MSRP cap",
    "battery_capacity": "Battery capacity",
    "gvwr": "Gross vehicle weight rating",
    "feoc_battery_components": "No FEOC battery components",
    "feoc_critical_minerals": "No FEOC critical minerals",
    "critical_minerals": "Critical-mineral share",
    "battery_components": "Battery-component share",
}
SEVERITY_LABELS = {"fail": N_("Fails"), "warn": N_("Warning"), "info": N_("Note")}
CONFIDENCE_LABELS = {"V": "primary text", "S": "secondary summaries", "U": "unconfirmed reading"}
