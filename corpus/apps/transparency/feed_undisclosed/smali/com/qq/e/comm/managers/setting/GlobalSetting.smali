.class public Lcom/qq/e/comm/managers/setting/GlobalSetting;
.super Ljava/lang/Object;
.source "GlobalSetting.java"
# stub of the 优量汇 (Tencent GDT) settings class: the SDK catalogue names com.qq.e.


# static fields
.field private static personalizedState:I


# direct methods
.method public static setPersonalizedState(I)V
    .registers 1

    sput p0, Lcom/qq/e/comm/managers/setting/GlobalSetting;->personalizedState:I

    return-void
.end method
