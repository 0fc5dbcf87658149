"""Committed defaults. No secrets here: every value can be overridden by an
environment variable with the ``REGISTRY_`` prefix (see README.md)."""

# Database. Empty means SQLite in the instance folder (instance/registry.sqlite3).
DATABASE_URL = ""

# Signs the personal links in notices. Empty: a random key kept in the instance folder
# (instance/secret_key), shared by every process on this machine. Set it on more than one host.
SECRET_KEY = ""

# Public address of this service, used for links in mail (confirm, unsubscribe).
BASE_URL = "http://127.0.0.1:8000"

# Mail. No MAIL_SERVER means: write mail to a maildir in instance/mail/.
MAIL_SERVER = ""
MAIL_PORT = 25
MAIL_USE_TLS = False
MAIL_USE_SSL = False
MAIL_USERNAME = None
MAIL_PASSWORD = None
MAIL_DEFAULT_SENDER = "registry@localhost"
MAIL_TIMEOUT = 10
# Whether the mail server carries addresses with non-ASCII before the @ (RFC 6531 SMTPUTF8).
# Off: such addresses are refused on input (422).
MAIL_SMTPUTF8 = False

# Delivery worker.
WORKER_BATCH_SIZE = 200
WORKER_POLL_SECONDS = 2.0
# SMTP connections (sender threads) per worker; notices are expanded in chunks of this many.
WORKER_CONNECTIONS = 2
WORKER_EXPAND_CHUNK = 250
DELIVERY_MAX_ATTEMPTS = 12
DELIVERY_BACKOFF_SECONDS = 30
DELIVERY_BACKOFF_MAX_SECONDS = 21600
# A worker's claim on a batch or a notice; a crashed worker's claims return after this.
DELIVERY_LEASE_SECONDS = 300
NOTICE_LEASE_SECONDS = 300

# Subscriptions.
SUBSCRIPTION_CONFIRM_HOURS = 48
SUBSCRIPTION_RESEND_MINUTES = 15
# Rate-limit counters: database:// in the registry's database, across every process and host;
# redis://host:6379 in Redis; memory:// per process only (one worker, or tests).
RATELIMIT_STORAGE_URI = "database://"
SUBSCRIBE_RATE_LIMIT = "10 per hour"

# Idempotency-Key: how long an answer can be replayed, and how long a claim on a key lasts
# while its first request runs (a request that died frees its key after this).
IDEMPOTENCY_TTL_HOURS = 24
IDEMPOTENCY_LOCK_SECONDS = 60

# Largest request body in bytes; a larger one is refused (413) before it is read.
MAX_CONTENT_LENGTH = 1024 * 1024

# Messages one party may write in one objection's consultation within 24 hours (429 beyond).
OBJECTION_MESSAGES_PER_DAY = 20

# Personal links in notices (/respond/<token>): how many days one works. Every notice brings a
# fresh one; a link also stops when its address is no longer a contact of the agreement.
RESPOND_LINK_DAYS = 90

# How long a public list may be cached by a client or proxy.
PUBLIC_MAX_AGE_SECONDS = 60
# How long a web process trusts its copy of a processor's list revision before asking the
# database again. Writes in the same process are seen at once; 0 asks on every request.
LIST_REVISION_TTL_SECONDS = 1.0

# Number of trusted proxies in front (X-Forwarded-For/-Proto/-Host); 0 trusts none.
PROXY_FIX_X_FOR = 0

# Agreement defaults (LEGAL.md §1: 30 days is market practice).
DEFAULT_NOTICE_DAYS = 30
DEFAULT_ACKNOWLEDGE_DAYS = 5
DEFAULT_CONSULTATION_DAYS = 30
# The shortest notice and objection periods an agreement may have (GDPR Art. 28(2): the
# controller must have the opportunity to object); shorter is refused on recording and amending.
MIN_NOTICE_DAYS = 14
MIN_OBJECTION_DAYS = 14
# Days after receipt within which the processor forwards a data-subject request (Art. 7.1);
# a later forward is flagged `forwarded_late`.
DSR_FORWARD_DAYS = 2

# OpenAPI (flask-smorest).
API_TITLE = "Subprocessor Registry"
API_VERSION = "v1"
OPENAPI_VERSION = "3.1.0"
OPENAPI_URL_PREFIX = "/"
OPENAPI_JSON_PATH = "openapi.json"
