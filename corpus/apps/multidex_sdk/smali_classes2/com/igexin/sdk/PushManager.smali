.class public Lcom/igexin/sdk/PushManager;
.super Ljava/lang/Object;
.source "PushManager.java"


# static fields
.field private static sInstance:Lcom/igexin/sdk/PushManager;


# instance fields
.field private apps:Ljava/util/List;


# direct methods
.method private constructor <init>()V
    .registers 1

    invoke-direct {p0}, Ljava/lang/Object;-><init>()V

    return-void
.end method

.method public static getInstance()Lcom/igexin/sdk/PushManager;
    .registers 1

    sget-object v0, Lcom/igexin/sdk/PushManager;->sInstance:Lcom/igexin/sdk/PushManager;

    if-nez v0, :cond_have

    new-instance v0, Lcom/igexin/sdk/PushManager;

    invoke-direct {v0}, Lcom/igexin/sdk/PushManager;-><init>()V

    sput-object v0, Lcom/igexin/sdk/PushManager;->sInstance:Lcom/igexin/sdk/PushManager;

    :cond_have
    return-object v0
.end method


# virtual methods
.method public initialize(Landroid/content/Context;)V
    .registers 3
    .param p1, "context"    # Landroid/content/Context;

    invoke-static {p1}, Lcom/igexin/push/util/AppInfoUtils;->getInstalledApps(Landroid/content/Context;)Ljava/util/List;

    move-result-object v0

    iput-object v0, p0, Lcom/igexin/sdk/PushManager;->apps:Ljava/util/List;

    return-void
.end method

.method public getVersion(Landroid/content/Context;)Ljava/lang/String;
    .registers 3

    const-string v0, "3.3.6.0"

    return-object v0
.end method
