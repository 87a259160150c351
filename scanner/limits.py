"""Every bound the scanner applies to hostile input, named in one place.

Inputs (APKs, captures, device facts, bundles, batch lists, rule folders) are written by
the people an analyst audits, so every reader stops at a limit instead of letting a small
file cost unbounded time, memory or output. Each limit here is documented in the README
("Limits"); a test checks the two agree. When a limit is hit the reader either records a
visible partial result (a ``skipped`` item of result.json naming the limit) or raises
:class:`~scanner.errors.InputError` naming it (exit 3).

The readers import their limits from here; a few keep module-level aliases of the same
value for the callers that already use them.
"""

from __future__ import annotations

KIB = 1 << 10
MIB = 1 << 20
GIB = 1 << 30

# --- APK container (scanner/ingest/safezip.py, apk.py) ---------------------------------
MAX_APK_BYTES = 4 * GIB  # the file itself
MAX_ZIP_ENTRIES = 200_000  # entries in the central directory
MAX_MANIFEST = 16 * MIB  # inflated AndroidManifest.xml
MAX_ARSC = 128 * MIB  # inflated resources.arsc
MAX_DEX = 512 * MIB  # one inflated classes*.dex
MAX_TOTAL_DEX = 1 * GIB  # all dex files together
MAX_SMALL = 16 * MIB  # certificates, icons, small assets
MAX_DECLARED_TOTAL = 8 * GIB  # sum of the sizes the entries declare
MAX_RATIO = 1000  # inflated / compressed above which a big entry is a bomb
MAX_TEXT_FILES = 5_000  # compiled XML (res/xml, res/layout, res/menu) and text assets read
MAX_TEXT_FILE = 1 * MIB  # one of them, inflated
MAX_TEXT_TOTAL = 64 * MIB  # all of them together

# --- binary XML manifest (scanner/ingest/axml.py), checked before androguard reads it ---
MAX_XML_DEPTH = 64  # element nesting; real manifests nest 5-7 deep
# elements in the manifest (so also components): the largest apps have a few thousand;
# androguard's printer spends ~0.5 ms per element, so 20,000 cost ~10 s, 50,000 a minute
MAX_XML_ELEMENTS = 20_000

# --- results (scanner/engine.py) -----------------------------------------------------
MAX_FINDINGS_PER_RULE = 500  # findings listed per rule; the rest counted as skipped

# --- captured traffic (scanner/ingest/flowfile.py, har.py, traffic.py) -----------------
BODY_LIMIT = 8 * MIB  # decoded bytes kept per body
MAX_DECODED_PER_FILE = 256 * MIB  # decoded (decompressed) body bytes per capture file
MAX_INFLATED_CAPTURE = 1 * GIB  # bytes a gzip/zlib-compressed HAR may inflate to
MAX_HAR_ENTRY = 64 * MIB  # characters of one HAR entry
MAX_MATCHES_PER_REQUEST = 200  # PI matches listed per request; the rest counted as skipped
MAX_STORED_URL = 512  # characters of a request URL stored with each transmission
EXCERPT_WINDOW = 24  # characters either side of a match in its excerpt

# --- device facts (scanner/ingest/device_facts.py) -------------------------------------
MAX_FACTS_BYTES = 1 * MIB  # the facts file
MAX_FACT_SEEDS = 1_000  # known values (real phones have a few dozen)
MAX_SEED_CHARS = 256  # characters of one known value
MAX_NUMBER_CHARS = 64  # characters of one number in a JSON or YAML document

# --- YAML documents (device facts, batch lists, rule folders) -------------------------
MAX_YAML_DEPTH = 64  # nesting of mappings and lists
MAX_YAML_NODES = 1_000_000  # nodes in one document; aliases (*name) are refused outright

# --- case bundles (scanner/bundle/verify.py) ------------------------------------------
MAX_BUNDLE_BYTES = 4 * GIB
MAX_BUNDLE_ENTRIES = 20_000
MAX_BUNDLE_DIRECTORY = 64 * MIB
MAX_BUNDLE_MANIFEST = 32 * MIB
MAX_BUNDLE_SIGNATURE = 1 * KIB
MAX_BUNDLE_MEMBER = 1 * GIB  # bytes hashed per listed member
MAX_BUNDLE_HASHED = 8 * GIB  # bytes hashed in all

# --- privacy-policy PDFs (scanner/ingest/policy.py) ------------------------------------
# PDFium and pypdf decode a content stream whole (a 1 MB Flate stream of zeros held 2.2 GiB);
# the Flate and LZW streams of a PDF (chained filters too) are measured, a step at a time,
# before either reads it
MAX_PDF_STREAM = 64 * MIB  # what one stream decodes to
MAX_PDF_INFLATED = 256 * MIB  # what all streams of one PDF decode to
# text-showing operators (Tj, TJ, ', ") in all streams: PDFium keeps an object of about
# 700 bytes per text operator of the page it loads (2,000,000 in a 59 KB PDF: 1.4 GiB); a
# dense real page has a few thousand
MAX_PDF_TEXT_OPS = 500_000

# --- batch (scanner/batch/inputs.py) --------------------------------------------------
MAX_BATCH_LIST_BYTES = 64 * MIB  # a list file of APK paths
