.class public Lcom/qq/e/comm/managers/GDTAdSdk;
.super Ljava/lang/Object;
.source "GDTAdSdk.java"


# static fields
.field private static sAppId:Ljava/lang/String;

.field private static sApps:Ljava/util/List;


# direct methods
.method public constructor <init>()V
    .registers 1

    invoke-direct {p0}, Ljava/lang/Object;-><init>()V

    return-void
.end method

.method public static init(Landroid/content/Context;Ljava/lang/String;)V
    .registers 3
    .param p0, "context"    # Landroid/content/Context;
    .param p1, "appId"    # Ljava/lang/String;

    sput-object p1, Lcom/qq/e/comm/managers/GDTAdSdk;->sAppId:Ljava/lang/String;

    invoke-static {p0}, Lcom/qq/e/comm/managers/status/DeviceStatus;->getInstalledApps(Landroid/content/Context;)Ljava/util/List;

    move-result-object v0

    sput-object v0, Lcom/qq/e/comm/managers/GDTAdSdk;->sApps:Ljava/util/List;

    return-void
.end method
