.class public final Lcom/netease/nis/wrapper/MyJni;
.super Ljava/lang/Object;
.source "MyJni.java"


# direct methods
.method public constructor <init>()V
    .registers 1

    invoke-direct {p0}, Ljava/lang/Object;-><init>()V

    return-void
.end method

.method public static native load(Landroid/content/Context;)V
.end method
