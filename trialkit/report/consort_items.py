"""The CONSORT 2025 checklist: item numbers, section/topic names and item wording.

Item numbers, section/topic names and item wording are those of Table 1 of Hopewell S, Chan
A-W, Collins GS, et al. CONSORT 2025 statement: updated guideline for reporting randomised
trials. BMJ 2025;389:e081123 (doi:10.1136/bmj-2024-081123; CC BY 4.0), quoted word for word
(long example lists kept). Checked on 2026-12-07 against: the same Table 1 in the
simultaneous PLoS Medicine publication (PLoS Med 2025;22(4):e1004587, PMC11996237, items
1a-12b with their section/topic names); the CONSORT-SPIRIT website's item pages
(https://www.consort-spirit.org: items 13, 21a, 21b, 21d, 22a, 23a, 24a, 26 and 28 with
their topic headings); and, for every item's wording, a transcription extracted from the
Europe PMC full text of the BMJ article (PMC11995449, Table 1). The website writes
"prespecified" in item 28 and "whether participants adhered" in item 24a where the journal
table has "pre-specified" and "how participants adhered"; the journal table is followed.
The topic names of items 14-20, 25, 27, 29 and 30 were not found in those texts and follow
the statement's table as recalled; the item numbers and wording of all 30 items were checked.
"""

from __future__ import annotations

# (item, section/topic, checklist item) in checklist order: CONSORT 2025, Table 1 (see above).
ITEMS: tuple[tuple[str, str, str], ...] = (
    ("1a", "Title and structured abstract", "Identification as a randomised trial"),
    (
        "1b",
        "Title and structured abstract",
        "Structured summary of the trial design, methods, results, and conclusions",
    ),
    (
        "2",
        "Trial registration",
        "Name of trial registry, identifying number (with URL) and date of registration",
    ),
    (
        "3",
        "Protocol and statistical analysis plan",
        "Where the trial protocol and statistical analysis plan can be accessed",
    ),
    (
        "4",
        "Data sharing",
        "Where and how the individual de-identified participant data (including data "
        "dictionary), statistical code and any other materials can be accessed",
    ),
    (
        "5a",
        "Funding and conflicts of interest",
        "Sources of funding and other support (eg, supply of drugs), and role of funders in "
        "the design, conduct, analysis and reporting of the trial",
    ),
    (
        "5b",
        "Funding and conflicts of interest",
        "Financial and other conflicts of interest of the manuscript authors",
    ),
    ("6", "Background and rationale", "Scientific background and rationale"),
    ("7", "Objectives", "Specific objectives related to benefits and harms"),
    (
        "8",
        "Patient and public involvement",
        "Details of patient or public involvement in the design, conduct and reporting of "
        "the trial",
    ),
    (
        "9",
        "Trial design",
        "Description of trial design including type of trial (eg, parallel group, "
        "crossover), allocation ratio, and framework (eg, superiority, equivalence, "
        "non-inferiority, exploratory)",
    ),
    (
        "10",
        "Changes to trial protocol",
        "Important changes to the trial after it commenced including any outcomes or "
        "analyses that were not prespecified, with reason",
    ),
    (
        "11",
        "Trial setting",
        "Settings (eg, community, hospital) and locations (eg, countries, sites) where the "
        "trial was conducted",
    ),
    ("12a", "Eligibility criteria", "Eligibility criteria for participants"),
    (
        "12b",
        "Eligibility criteria",
        "If applicable, eligibility criteria for sites and for individuals delivering the "
        "interventions (eg, surgeons, physiotherapists)",
    ),
    (
        "13",
        "Intervention and comparator",
        "Intervention and comparator with sufficient details to allow replication. If "
        "relevant, where additional materials describing the intervention and comparator "
        "(eg, intervention manual) can be accessed",
    ),
    (
        "14",
        "Outcomes",
        "Prespecified primary and secondary outcomes, including the specific measurement "
        "variable (eg, systolic blood pressure), analysis metric (eg, change from baseline, "
        "final value, time to event), method of aggregation (eg, median, proportion), and "
        "time point for each outcome",
    ),
    (
        "15",
        "Harms",
        "How harms were defined and assessed (eg, systematically, non-systematically)",
    ),
    (
        "16a",
        "Sample size",
        "How sample size was determined, including all assumptions supporting the sample "
        "size calculation",
    ),
    ("16b", "Sample size", "Explanation of any interim analyses and stopping guidelines"),
    (
        "17a",
        "Randomisation: sequence generation",
        "Who generated the random allocation sequence and the method used",
    ),
    (
        "17b",
        "Randomisation: sequence generation",
        "Type of randomisation and details of any restriction (eg, stratification, blocking "
        "and block size)",
    ),
    (
        "18",
        "Allocation concealment mechanism",
        "Mechanism used to implement the random allocation sequence (eg, central "
        "computer/telephone; sequentially numbered, opaque, sealed containers), describing "
        "any steps to conceal the sequence until interventions were assigned",
    ),
    (
        "19",
        "Implementation",
        "Whether the personnel who enrolled and those who assigned participants to the "
        "interventions had access to the random allocation sequence",
    ),
    (
        "20a",
        "Blinding",
        "Who was blinded after assignment to interventions (eg, participants, care "
        "providers, outcome assessors, data analysts)",
    ),
    (
        "20b",
        "Blinding",
        "If blinded, how blinding was achieved and description of the similarity of interventions",
    ),
    (
        "21a",
        "Statistical methods",
        "Statistical methods used to compare groups for primary and secondary outcomes, "
        "including harms",
    ),
    (
        "21b",
        "Statistical methods",
        "Definition of who is included in each analysis (eg, all randomised participants), "
        "and in which group",
    ),
    ("21c", "Statistical methods", "How missing data were handled in the analysis"),
    (
        "21d",
        "Statistical methods",
        "Methods for any additional analyses (eg, subgroup and sensitivity analyses), "
        "distinguishing prespecified from post hoc",
    ),
    (
        "22a",
        "Participant flow, including flow diagram",
        "For each group, the numbers of participants who were randomly assigned, received "
        "intended intervention, and were analysed for the primary outcome",
    ),
    (
        "22b",
        "Participant flow, including flow diagram",
        "For each group, losses and exclusions after randomisation, together with reasons",
    ),
    (
        "23a",
        "Recruitment",
        "Dates defining the periods of recruitment and follow-up for outcomes of benefits "
        "and harms",
    ),
    ("23b", "Recruitment", "If relevant, why the trial ended or was stopped"),
    (
        "24a",
        "Intervention and comparator delivery",
        "Intervention and comparator as they were actually administered (eg, where "
        "appropriate, who delivered the intervention/comparator, how participants adhered, "
        "whether they were delivered as intended (fidelity))",
    ),
    (
        "24b",
        "Intervention and comparator delivery",
        "Concomitant care received during the trial for each group",
    ),
    (
        "25",
        "Baseline data",
        "A table showing baseline demographic and clinical characteristics for each group",
    ),
    (
        "26",
        "Numbers analysed, outcomes and estimation",
        "For each primary and secondary outcome, by group: the number of participants "
        "included in the analysis; the number of participants with available data at the "
        "outcome time point; result for each group, and the estimated effect size and its "
        "precision (such as 95% confidence interval); for binary outcomes, presentation of "
        "both absolute and relative effect size",
    ),
    ("27", "Harms", "All harms or unintended events in each group"),
    (
        "28",
        "Ancillary analyses",
        "Any other analyses performed, including subgroup and sensitivity analyses, "
        "distinguishing pre-specified from post hoc",
    ),
    (
        "29",
        "Interpretation",
        "Interpretation consistent with results, balancing benefits and harms, and "
        "considering other relevant evidence",
    ),
    (
        "30",
        "Limitations",
        "Trial limitations, addressing sources of potential bias, imprecision, "
        "generalisability, and, if relevant, multiplicity of analyses",
    ),
)
