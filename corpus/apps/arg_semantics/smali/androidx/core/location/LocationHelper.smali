.class public Landroidx/core/location/LocationHelper;
.super Ljava/lang/Object;
.source "LocationHelper.java"

# Stands for a development library's code (origin: library).
.method public static lastGps(Landroid/location/LocationManager;)Landroid/location/Location;
    .locals 1
    const-string v0, "gps"
    invoke-virtual {p0, v0}, Landroid/location/LocationManager;->getLastKnownLocation(Ljava/lang/String;)Landroid/location/Location;
    move-result-object v0
    return-object v0
.end method
