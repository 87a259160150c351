"""Fast, bounds-checked dex index: call sites of sensitive APIs without a full disassembly.

Pure Python + numpy. The APK container is opened elsewhere; this package takes the
dex files as ``(name, bytes)`` pairs::

    from scanner.ingest.dex import DexIndex, DexFormatError
    idx = DexIndex.from_dex_files([("classes.dex", b1), ("classes2.dex", b2)])
    idx.class_names()                      # sorted class descriptors defined by the app
    idx.class_info("Lcom/a/Main;")         # ClassInfo(superclass, interfaces, methods) | None
    idx.find_calls({"Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;"})
    #   -> [CallSite(dex, caller_class, caller_method, callee, kind, offset)]
    idx.find_field_reads({"Landroid/os/Build;->SERIAL:Ljava/lang/String;"})  # [FieldSite]
    idx.find_strings(exact={"android_id"}, prefixes=("content://sms",))     # [StringSite]
    idx.find_reflective_calls()            # [ReflectiveSite(api, argument=nearest const-string)]
    idx.static_string_value("Lcom/sdk/BuildConfig;->VERSION_NAME:Ljava/lang/String;")
    idx.partial, idx.damage                # what could not be read (Damage records)

Semantics:

* Call sites match the descriptor written in the invoke instruction (the static
  receiver type, as androguard's xrefs do). ``caller_method`` is ``name(params)ret``;
  ``offset`` is the byte offset of the instruction in its dex file.
* Invoke opcodes covered: invoke-virtual/super/direct/static/interface and their
  /range forms, invoke-polymorphic(/range). invoke-custom (call sites resolved by a
  bootstrap method, used for lambdas only when desugaring is off) refers to a
  call_site_id, not a method, and is not reported.
* Field reads are iget*/sget*; strings are const-string and const-string/jumbo.
* Instruction boundaries are decoded exactly (a length table per opcode format,
  payload pseudo-instructions skipped), so operands of other instructions and switch
  or array payload data never produce sites.
* Hostile input: a buffer whose header or id tables are unreadable raises
  :class:`DexFormatError` (an ``InputError``); if at least one dex of an app is
  readable the others are listed in ``damage`` instead. Damage inside classes,
  methods or strings is skipped and recorded in ``damage`` (``partial`` is True).
  No IndexError escapes; work and memory are linear in the input size.

Reachability of a site's caller is computed by :mod:`scanner.callgraph`.
"""

from __future__ import annotations

from scanner.ingest.dex.errors import DexFormatError
from scanner.ingest.dex.index import (
    REFLECTIVE_APIS,
    CallSite,
    ClassInfo,
    DexIndex,
    FieldSite,
    MethodInfo,
    MethodRef,
    ReflectiveSite,
    StringSite,
)
from scanner.ingest.dex.reader import DexFile

__all__ = [
    "REFLECTIVE_APIS",
    "CallSite",
    "ClassInfo",
    "DexFile",
    "DexFormatError",
    "DexIndex",
    "FieldSite",
    "MethodInfo",
    "MethodRef",
    "ReflectiveSite",
    "StringSite",
]
