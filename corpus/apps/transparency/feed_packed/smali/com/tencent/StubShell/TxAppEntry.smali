.class public Lcom/tencent/StubShell/TxAppEntry;
.super Landroid/app/Application;
.source "TxAppEntry.java"


# direct methods
.method public constructor <init>()V
    .registers 1

    invoke-direct {p0}, Landroid/app/Application;-><init>()V

    return-void
.end method


# virtual methods
.method protected attachBaseContext(Landroid/content/Context;)V
    .registers 3

    invoke-super {p0, p1}, Landroid/app/Application;->attachBaseContext(Landroid/content/Context;)V

    const-string v0, "shella-2.10.2.3"

    invoke-static {v0}, Ljava/lang/System;->loadLibrary(Ljava/lang/String;)V

    invoke-static {p0}, Lcom/tencent/StubShell/ZipUtil;->load(Landroid/content/Context;)V

    return-void
.end method
