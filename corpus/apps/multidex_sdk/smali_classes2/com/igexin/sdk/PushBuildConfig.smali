.class public Lcom/igexin/sdk/PushBuildConfig;
.super Ljava/lang/Object;
.source "PushBuildConfig.java"


# static fields
.field public static final sdk_conf_version:Ljava/lang/String; = "3.3.6.0"


# direct methods
.method public constructor <init>()V
    .registers 1

    invoke-direct {p0}, Ljava/lang/Object;-><init>()V

    return-void
.end method
