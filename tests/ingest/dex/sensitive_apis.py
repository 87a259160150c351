"""Well-known sensitive Android API descriptors used as recall targets in tests/benchmarks.

Source: Android SDK reference (developer.android.com/reference) for the signatures;
the selection follows the API table of ../shared/reference/regulation-and-methods.md
§5 plus the sources/sinks DroidBench uses (Log.*, SmsManager, TelephonyManager).
Used only when ``rulesets/api-map.yaml`` is absent.
"""

from __future__ import annotations

from pathlib import Path

_S = "Ljava/lang/String;"
_TM = "Landroid/telephony/TelephonyManager;->"
_LM = "Landroid/location/LocationManager;->"
_LL = "Landroid/location/LocationListener;"
_LOC = "Landroid/location/Location;->"
_WI = "Landroid/net/wifi/WifiInfo;->"
_WM = "Landroid/net/wifi/WifiManager;->"
_PM = "Landroid/content/pm/PackageManager;->"
_CR = "Landroid/content/ContentResolver;->"
_URI = "Landroid/net/Uri;"
_LOG = "Landroid/util/Log;->"

SENSITIVE_APIS: tuple[str, ...] = (
    f"{_TM}getDeviceId(){_S}",
    f"{_TM}getDeviceId(I){_S}",
    f"{_TM}getImei(){_S}",
    f"{_TM}getImei(I){_S}",
    f"{_TM}getMeid(){_S}",
    f"{_TM}getSubscriberId(){_S}",
    f"{_TM}getSimSerialNumber(){_S}",
    f"{_TM}getLine1Number(){_S}",
    f"{_TM}getSimOperator(){_S}",
    f"{_TM}getNetworkOperator(){_S}",
    f"{_TM}getSimCountryIso(){_S}",
    f"{_TM}getNetworkOperatorName(){_S}",
    f"{_TM}getCellLocation()Landroid/telephony/CellLocation;",
    f"{_TM}getAllCellInfo()Ljava/util/List;",
    f"Landroid/os/Build;->getSerial(){_S}",
    f"Landroid/provider/Settings$Secure;->getString(Landroid/content/ContentResolver;{_S}){_S}",
    f"{_WI}getMacAddress(){_S}",
    f"{_WI}getSSID(){_S}",
    f"{_WI}getBSSID(){_S}",
    f"{_WI}getIpAddress()I",
    f"{_WM}getConnectionInfo()Landroid/net/wifi/WifiInfo;",
    f"{_WM}getScanResults()Ljava/util/List;",
    "Ljava/net/NetworkInterface;->getHardwareAddress()[B",
    f"Landroid/bluetooth/BluetoothAdapter;->getAddress(){_S}",
    f"{_LM}getLastKnownLocation({_S})Landroid/location/Location;",
    f"{_LM}requestLocationUpdates({_S}JF{_LL})V",
    f"{_LM}requestLocationUpdates({_S}JFLandroid/app/PendingIntent;)V",
    f"{_LM}requestSingleUpdate({_S}{_LL}Landroid/os/Looper;)V",
    f"{_LM}getBestProvider(Landroid/location/Criteria;Z){_S}",
    f"{_LOC}getLatitude()D",
    f"{_LOC}getLongitude()D",
    f"{_PM}getInstalledPackages(I)Ljava/util/List;",
    f"{_PM}getInstalledApplications(I)Ljava/util/List;",
    f"{_PM}queryIntentActivities(Landroid/content/Intent;I)Ljava/util/List;",
    f"{_PM}getPackageInfo({_S}I)Landroid/content/pm/PackageInfo;",
    "Landroid/app/ActivityManager;->getRunningAppProcesses()Ljava/util/List;",
    "Landroid/content/ClipboardManager;->getPrimaryClip()Landroid/content/ClipData;",
    "Landroid/content/ClipboardManager;->getText()Ljava/lang/CharSequence;",
    f"{_CR}query({_URI}[{_S}{_S}[{_S}{_S})Landroid/database/Cursor;",
    f"{_CR}insert({_URI}Landroid/content/ContentValues;){_URI}",
    "Landroid/accounts/AccountManager;->getAccounts()[Landroid/accounts/Account;",
    f"Landroid/accounts/AccountManager;->getAccountsByType({_S})[Landroid/accounts/Account;",
    "Landroid/hardware/SensorManager;->getDefaultSensor(I)Landroid/hardware/Sensor;",
    "Landroid/media/AudioRecord;->startRecording()V",
    "Landroid/media/MediaRecorder;->start()V",
    "Landroid/media/MediaRecorder;->setAudioSource(I)V",
    "Landroid/hardware/Camera;->open()Landroid/hardware/Camera;",
    "Landroid/hardware/Camera;->open(I)Landroid/hardware/Camera;",
    "Landroid/telephony/SmsManager;->sendTextMessage"
    f"({_S}{_S}{_S}Landroid/app/PendingIntent;Landroid/app/PendingIntent;)V",
    "Landroid/telephony/SmsManager;->getDefault()Landroid/telephony/SmsManager;",
    f"{_LOG}i({_S}{_S})I",
    f"{_LOG}d({_S}{_S})I",
    f"{_LOG}e({_S}{_S})I",
    f"{_LOG}v({_S}{_S})I",
    f"{_LOG}w({_S}{_S})I",
    "Ljava/lang/Runtime;->exec(Ljava/lang/String;)Ljava/lang/Process;",
    f"Ljava/lang/Class;->forName({_S})Ljava/lang/Class;",
    f"Ljava/lang/Class;->getMethod({_S}[Ljava/lang/Class;)Ljava/lang/reflect/Method;",
    "Ljava/lang/reflect/Method;->invoke(Ljava/lang/Object;[Ljava/lang/Object;)Ljava/lang/Object;",
    "Ljava/net/URL;->openConnection()Ljava/net/URLConnection;",
    "Landroid/content/Context;->startService(Landroid/content/Intent;)Landroid/content/ComponentName;",
    "Landroid/app/Activity;->startActivity(Landroid/content/Intent;)V",
    "Landroid/content/Context;->sendBroadcast(Landroid/content/Intent;)V",
    "Landroid/content/Intent;->putExtra(Ljava/lang/String;Ljava/lang/String;)Landroid/content/Intent;",
)

SENSITIVE_FIELDS: tuple[str, ...] = (
    "Landroid/os/Build;->SERIAL:Ljava/lang/String;",
    "Landroid/os/Build;->MODEL:Ljava/lang/String;",
    "Landroid/os/Build;->MANUFACTURER:Ljava/lang/String;",
    "Landroid/os/Build$VERSION;->SDK_INT:I",
    "Landroid/provider/ContactsContract$Contacts;->CONTENT_URI:Landroid/net/Uri;",
    "Landroid/provider/CallLog$Calls;->CONTENT_URI:Landroid/net/Uri;",
)


def load_api_list(repo: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(method descriptors, field descriptors) from rulesets/api-map.yaml if present,
    else the built-in lists above."""
    path = repo / "rulesets" / "api-map.yaml"
    if path.is_file():
        import yaml

        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        apis = tuple(e["api"] for e in doc.get("apis", []) if isinstance(e, dict) and "api" in e)
        fields = tuple(
            e["field"] for e in doc.get("fields", []) if isinstance(e, dict) and "field" in e
        )
        if apis:
            return apis, fields or SENSITIVE_FIELDS
    return SENSITIVE_APIS, SENSITIVE_FIELDS
