.class public Lcom/umeng/commonsdk/DeviceInfo;
.super Ljava/lang/Object;
.source "DeviceInfo.java"

# Stands for a third-party SDK's code (origin: sdk, umeng_analytics).
.method public static imei(Ljava/lang/Object;)Ljava/lang/String;
    .locals 1
    check-cast p0, Landroid/telephony/TelephonyManager;
    invoke-virtual {p0}, Landroid/telephony/TelephonyManager;->getDeviceId()Ljava/lang/String;
    move-result-object v0
    return-object v0
.end method
