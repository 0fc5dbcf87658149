"""The demo's fictional parties and the year of changes to their list; data only.

Every sub-processor and controller here is invented; the processor is the party of the seed
contract (IP Voice Group Services B.V., Zeewolde). Kept apart from the loading code so the data
can be read and edited as a table.
"""

from __future__ import annotations

from typing import Any

from registry.organisations.models import OrgKind
from registry.subprocessors.models import ChangeAction

DEMO_TOKEN_NAME = "demo"

PROCESSOR: dict[str, Any] = {
    "slug": "ipvoice",
    "name": "IP Voice Group Services B.V.",
    "kind": OrgKind.PROCESSOR,
    "country": "NL",
    "email": "privacy@ipvoice.example",
    "language": "nl",
    "website": "https://ipvoice.example",
}
CONTROLLERS: list[dict[str, Any]] = [
    {
        "slug": "gemeente-zeewolde",
        "name": "Gemeente Zeewolde (demo)",
        "kind": OrgKind.CONTROLLER,
        "country": "NL",
        "email": "privacy@gemeente-zeewolde.example",
        "language": "nl",
        "website": "https://gemeente-zeewolde.example",
    },
    {
        "slug": "zorggroep-veluwe",
        "name": "Zorggroep Veluwe (demo)",
        "kind": OrgKind.CONTROLLER,
        "country": "NL",
        "email": "dpo@zorggroep-veluwe.example",
        "language": "en",
        "website": "https://zorggroep-veluwe.example",
    },
]
AGREEMENTS: list[dict[str, Any]] = [
    {
        "controller_slug": "gemeente-zeewolde",
        "reference": "VWO-2026-014",
        "language": "nl",
        "notify_emails": ["privacy@gemeente-zeewolde.example", "fg@gemeente-zeewolde.example"],
        "notice_days": 30,
        "objection_days": 30,
        "acknowledge_days": 5,
        "consultation_days": 30,
    },
    {
        "controller_slug": "zorggroep-veluwe",
        "reference": "ZGV-DPA-2026-03",
        "language": "en",
        "notify_emails": ["dpo@zorggroep-veluwe.example"],
        "notice_days": 45,
        "objection_days": 30,
        "acknowledge_days": 3,
        "consultation_days": 21,
    },
]

# What each kind of service does for a telephony provider: purpose, data, data subjects, and
# the activity at each of its three locations.
SERVICES: dict[str, tuple[str, list[str], list[str], list[str]]] = {
    "hosting": (
        "Hosting of the telephony platform and its databases",
        ["call detail records", "account data"],
        ["end users", "customer staff"],
        ["hosting", "backup", "operations"],
    ),
    "recordings": (
        "Storage of call recordings on the customer's instruction",
        ["call recordings", "call detail records"],
        ["end users", "callers"],
        ["storage", "replication", "operations"],
    ),
    "sip": (
        "SIP trunking and the routing of calls to public networks",
        ["telephone numbers", "call detail records"],
        ["callers", "end users"],
        ["call routing", "interconnect", "network operations"],
    ),
    "sms": (
        "Delivery of SMS messages and two-factor codes",
        ["telephone numbers", "message content"],
        ["end users"],
        ["message routing", "delivery reports", "support"],
    ),
    "support": (
        "First- and second-line customer support",
        ["contact details", "support tickets"],
        ["customer staff", "end users"],
        ["ticket handling", "remote support", "escalation"],
    ),
    "billing": (
        "Invoicing, payment collection and usage rating",
        ["billing data", "call detail records", "contact details"],
        ["customer staff"],
        ["rating", "invoicing", "payment processing"],
    ),
    "email": (
        "Sending of transactional email (voicemail to email, invoices)",
        ["email addresses", "voicemail audio"],
        ["end users", "customer staff"],
        ["mail delivery", "bounce handling", "operations"],
    ),
    "monitoring": (
        "Monitoring and logging of the platform's availability",
        ["IP addresses", "log data"],
        ["end users"],
        ["log storage", "alerting", "analysis"],
    ),
    "transcription": (
        "Speech-to-text transcription of voicemail and recordings",
        ["voicemail audio", "call recordings", "transcripts"],
        ["callers", "end users"],
        ["transcription", "quality review", "model operations"],
    ),
    "fraud": (
        "Detection of telephony fraud and abuse",
        ["call detail records", "IP addresses"],
        ["end users", "callers"],
        ["analysis", "case handling", "reporting"],
    ),
    "crm": (
        "Customer relationship management for the processor's sales and service",
        ["contact details", "contract data"],
        ["customer staff"],
        ["hosting", "support", "analytics"],
    ),
    "backup": (
        "Encrypted off-site backups",
        ["account data", "call detail records", "call recordings"],
        ["end users", "customer staff"],
        ["backup storage", "restore tests", "operations"],
    ),
}

# name | legal name | registration number | incorporated in | service | three locations | DPF.
# All invented. The locations mix the EEA (with ES-CN, a part of Spain with its own code),
# adequate countries (CH, GB, CA, JP, NZ, KR, IL, UY, AR, BR, and the US with DPF) and third
# countries (the US without DPF, CA-QC under this contract, IN, PH, ZA, RS, MA, UA, TR, ...).
SUBPROCESSOR_TABLE = """
Nordhosting | Nordhosting GmbH | HRB 204511 | DE | hosting | DE NL AT | -
Polderdata | Polderdata B.V. | KvK 81234567 | NL | hosting | NL BE LU | -
Fjordcloud | Fjordcloud AS | NO 921 334 556 | NO | backup | NO SE FI | -
Alpenrechner | Alpenrechner AG | CHE-412.118.903 | CH | hosting | CH DE AT | -
Brightwire Telecom | Brightwire Telecom Ltd | 12873340 | GB | sip | GB IE NL | -
Kestrel Voice | Kestrel Voice Inc. | DE 7712093 | US | sip | US NL DE | dpf
Larkspur Analytics | Larkspur Analytics LLC | DE 6620148 | US | monitoring | US IE DE | -
Bellevue Recordings | Bellevue Recordings Inc. | QC 1174436621 | CA | recordings | CA-QC CA FR | -
Mapleline | Mapleline Communications Inc. | ON 2891150 | CA | sms | CA NL GB | -
Sarvam Support | Sarvam Support Services Pvt. Ltd. | U72900KA2019PTC1 | IN | support | IN NL IE | -
Kaimai Speech | Kaimai Speech Ltd | NZ 7712345 | NZ | transcription | NZ AU IE | -
Sakura Relay | Sakura Relay K.K. | 0104-01-118821 | JP | sms | JP KR DE | -
Hanbit Cloud | Hanbit Cloud Co., Ltd. | 110111-7712093 | KR | backup | KR JP NL | -
Carmel Secure | Carmel Secure Ltd | 51-612345-7 | IL | fraud | IL DE US | dpf
Rambla Billing | Rambla Billing S.L. | B-66123456 | ES | billing | ES ES-CN PT | -
Lusitel | Lusitel Comunicações, Lda. | PT 514123456 | PT | sip | PT ES FR | -
Vltava Systems | Vltava Systems s.r.o. | IČO 07712345 | CZ | monitoring | CZ SK PL | -
Baltic Mail | Baltic Mail UAB | LT 305112233 | LT | email | LT LV EE | -
Dunaj Contact | Dunaj Contact s.r.o. | SK 52112233 | SK | support | SK HU RS | -
Adriatic Voice | Adriatic Voice d.o.o. | HR 081123456 | HR | sip | HR SI IT | -
Aegean Backup | Aegean Backup A.E. | GEMI 157712301000 | GR | backup | GR CY MT | -
Liffey Helpdesk | Liffey Helpdesk Ltd | IE 671234 | IE | support | IE GB PH | -
Cascade Mail | Cascade Mail Inc. | DE 5523017 | US | email | US CA IE | dpf
Redwood Metrics | Redwood Metrics Inc. | DE 4419023 | US | monitoring | US GB NL | -
Plata Telecom | Plata Telecom S.A. | IGJ 1.912.331 | AR | sip | AR UY ES | -
Montevideo Sistemas | Montevideo Sistemas S.A. | RUT 217712340011 | UY | support | UY AR ES | -
Ipanema Dados | Ipanema Dados Ltda. | CNPJ 12.345.678/0001-90 | BR | crm | BR PT US | dpf
Karoo Contact | Karoo Contact (Pty) Ltd | 2018/123456/07 | ZA | support | ZA GB NL | -
Atlas Dialog | Atlas Dialog SARL | RC 412233 | MA | support | MA FR ES | -
Dnipro Code | Dnipro Code LLC | EDRPOU 41122334 | UA | monitoring | UA PL DE | -
Manila Care | Manila Care Services Inc. | SEC CS201912345 | PH | support | PH SG IE | -
Loire Factures | Loire Factures SAS | RCS 851 123 456 | FR | billing | FR BE LU | -
Seine Enregistrements | Seine Enregistrements SAS | RCS 842 223 344 | FR | recordings | FR DE NL | -
Vistula Transcribe | Vistula Transcribe sp. z o.o. | KRS 0000712 | PL | transcription | PL LT DE | -
Danube Fraudwatch | Danube Fraudwatch GmbH | FN 512345 k | AT | fraud | AT DE CH | -
Scheldt Connect | Scheldt Connect NV | BE 0712.345.678 | BE | sip | BE NL FR | -
Tagus Contact | Tagus Contact, S.A. | PT 509876543 | PT | support | PT BR ES | -
Øresund Data | Øresund Data ApS | CVR 41234567 | DK | hosting | DK SE NO | -
Saimaa Backup | Saimaa Backup Oy | FI 2912345-6 | FI | backup | FI SE EE | -
Reykjavik Cold Storage | Reykjavik Cold Storage ehf. | IS 5512345678 | IS | backup | IS NO DK | -
Vaduz Ledger | Vaduz Ledger AG | FL-0002.612.345-1 | LI | billing | LI CH AT | -
Valletta Messaging | Valletta Messaging Ltd | C 81234 | MT | sms | MT IT GB | -
Nicosia Voice | Nicosia Voice Ltd | HE 412345 | CY | sip | CY GR IL | -
Bucharest Helpline | Bucharest Helpline S.R.L. | J40/1234/2019 | RO | support | RO BG MD | -
Sofia Monitoring | Sofia Monitoring EOOD | UIC 205123456 | BG | monitoring | BG RO GR | -
Tallinn Signal | Tallinn Signal OÜ | EE 14712345 | EE | sms | EE FI LV | -
Po Valley CRM | Po Valley CRM S.r.l. | MI-2512345 | IT | crm | IT CH DE | -
Hudson Transcripts | Hudson Transcripts Inc. | NY 5512345 | US | transcription | US CA IN | -
Bosphorus Care | Bosphorus Care A.Ş. | MERSIS 0123456789000015 | TR | support | TR DE NL | -
Zuiderzee Archief | Zuiderzee Archief B.V. | KvK 90123456 | NL | recordings | NL DE BE | -
Flevo Mailings | Flevo Mailings B.V. | KvK 71234560 | NL | email | NL IE FR | -
Veluwe Fraudeteam | Veluwe Fraudeteam B.V. | KvK 82345671 | NL | fraud | NL GB CH | -
Lakeshore Billing | Lakeshore Billing Inc. | DE 8812345 | US | billing | US NL GB | dpf
Helvetia Voice Labs | Helvetia Voice Labs SA | CHE-109.876.543 | CH | transcription | CH FR NZ | -
"""

# Written flow-downs (Art. 5.3) missing on purpose, so the list shows the flag.
NO_FLOWDOWN = {"Atlas Dialog", "Dnipro Code"}

# After every sub-processor is added: two changed, one removed. Sub-processor name, the fields
# that change, and the reason given.
LATER_CHANGES: list[tuple[ChangeAction, str, dict[str, Any] | None, str]] = [
    (
        ChangeAction.UPDATE,
        "Nordhosting",
        {
            "locations": [
                {"code": "DE", "activities": ["hosting"]},
                {"code": "NL", "activities": ["backup"]},
                {"code": "FI", "activities": ["operations"]},
            ]
        },
        "Nordhosting moved its operations centre from Vienna to Helsinki.",
    ),
    (
        ChangeAction.UPDATE,
        "Larkspur Analytics",
        {"dpf_certified": True, "transfer_mechanism": "adequacy"},
        "Larkspur Analytics is now certified on the Data Privacy Framework List.",
    ),
    (ChangeAction.REMOVE, "Bosphorus Care", None, "Support moved back in house."),
]

# The future change: a new sub-processor whose locations include India, which needs each
# controller's prior consent under Art. 3.1. Same columns as SUBPROCESSOR_TABLE.
ANNOUNCED_ROW = (
    "Ganga Voice Analytics | Ganga Voice Analytics Pvt. Ltd. | U74999MH2021PTC3 | IN"
    " | transcription | IN NL SG | -"
)
ANNOUNCED_REASON = "Transcription of voicemail in more languages, with a second team in Mumbai."
