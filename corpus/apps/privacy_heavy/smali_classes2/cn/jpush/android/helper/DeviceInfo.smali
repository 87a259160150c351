.class public Lcn/jpush/android/helper/DeviceInfo;
.super Ljava/lang/Object;
.source "DeviceInfo.java"


# static fields
# WifiInfo cached by the SDK's network callbacks (not part of this fixture).
.field static sWifiInfo:Landroid/net/wifi/WifiInfo;


# direct methods
.method public constructor <init>()V
    .registers 1

    invoke-direct {p0}, Ljava/lang/Object;-><init>()V

    return-void
.end method

.method public static getMac(Landroid/content/Context;)Ljava/lang/String;
    .registers 2
    .param p0, "context"    # Landroid/content/Context;

    sget-object v0, Lcn/jpush/android/helper/DeviceInfo;->sWifiInfo:Landroid/net/wifi/WifiInfo;

    if-nez v0, :cond_have

    const-string v0, ""

    return-object v0

    :cond_have
    invoke-virtual {v0}, Landroid/net/wifi/WifiInfo;->getMacAddress()Ljava/lang/String;

    move-result-object v0

    return-object v0
.end method
