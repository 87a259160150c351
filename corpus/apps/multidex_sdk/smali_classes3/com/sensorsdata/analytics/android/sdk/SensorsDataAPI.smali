.class public Lcom/sensorsdata/analytics/android/sdk/SensorsDataAPI;
.super Ljava/lang/Object;
.source "SensorsDataAPI.java"


# static fields
.field static final VERSION:Ljava/lang/String; = "6.2.0"

.field private static sInstance:Lcom/sensorsdata/analytics/android/sdk/SensorsDataAPI;


# instance fields
.field private final mContext:Landroid/content/Context;


# direct methods
.method private constructor <init>(Landroid/content/Context;)V
    .registers 2

    invoke-direct {p0}, Ljava/lang/Object;-><init>()V

    iput-object p1, p0, Lcom/sensorsdata/analytics/android/sdk/SensorsDataAPI;->mContext:Landroid/content/Context;

    return-void
.end method

.method public static sharedInstance(Landroid/content/Context;)Lcom/sensorsdata/analytics/android/sdk/SensorsDataAPI;
    .registers 2

    sget-object v0, Lcom/sensorsdata/analytics/android/sdk/SensorsDataAPI;->sInstance:Lcom/sensorsdata/analytics/android/sdk/SensorsDataAPI;

    if-nez v0, :cond_have

    new-instance v0, Lcom/sensorsdata/analytics/android/sdk/SensorsDataAPI;

    invoke-direct {v0, p0}, Lcom/sensorsdata/analytics/android/sdk/SensorsDataAPI;-><init>(Landroid/content/Context;)V

    sput-object v0, Lcom/sensorsdata/analytics/android/sdk/SensorsDataAPI;->sInstance:Lcom/sensorsdata/analytics/android/sdk/SensorsDataAPI;

    :cond_have
    return-object v0
.end method


# virtual methods
.method public getSDKVersion()Ljava/lang/String;
    .registers 2

    const-string v0, "6.2.0"

    return-object v0
.end method
