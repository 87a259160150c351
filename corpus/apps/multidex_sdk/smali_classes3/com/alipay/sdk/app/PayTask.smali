.class public Lcom/alipay/sdk/app/PayTask;
.super Ljava/lang/Object;
.source "PayTask.java"


# instance fields
.field private final mActivity:Landroid/app/Activity;


# direct methods
.method public constructor <init>(Landroid/app/Activity;)V
    .registers 2

    invoke-direct {p0}, Ljava/lang/Object;-><init>()V

    iput-object p1, p0, Lcom/alipay/sdk/app/PayTask;->mActivity:Landroid/app/Activity;

    return-void
.end method


# virtual methods
.method public getVersion()Ljava/lang/String;
    .registers 2

    const-string v0, "15.8.11"

    return-object v0
.end method

.method public payV2(Ljava/lang/String;Z)Ljava/util/Map;
    .registers 5
    .param p1, "orderInfo"    # Ljava/lang/String;
    .param p2, "isShowLoading"    # Z

    new-instance v0, Ljava/util/HashMap;

    invoke-direct {v0}, Ljava/util/HashMap;-><init>()V

    const-string v1, "resultStatus"

    const-string p2, "6001"

    invoke-interface {v0, v1, p2}, Ljava/util/Map;->put(Ljava/lang/Object;Ljava/lang/Object;)Ljava/lang/Object;

    return-object v0
.end method
