.class public final La/a;
.super Ljava/lang/Object;
.source "SourceFile"


# direct methods
.method public constructor <init>()V
    .registers 1

    invoke-direct {p0}, Ljava/lang/Object;-><init>()V

    return-void
.end method

.method public static a()Ljava/lang/String;
    .registers 2

    # a crash-report endpoint left in obfuscated code: Bugly's, by its host only
    const-string v0, "https://android.bugly.qq.com/rqd/async"

    # a whole-company domain: never SDK evidence
    const-string v1, "https://www.google.com/"

    return-object v0
.end method
