.class public final Lcom/umeng/commonsdk/utils/Space;
.super Ljava/lang/Object;
.source "Space.java"

# Written for this fixture under an SDK's package (the catalogue names com.umeng.): the free
# bytes of shared storage, as analytics SDKs report them. Environment
# .getExternalStorageDirectory() only gives the path and StatFs asks the file system for its
# size: no file under it is read or written, so no storage permission is exercised.

.method public static freeBytes()J
    .locals 2
    invoke-static {}, Landroid/os/Environment;->getExternalStorageDirectory()Ljava/io/File;
    move-result-object v0
    invoke-virtual {v0}, Ljava/io/File;->getPath()Ljava/lang/String;
    move-result-object v0
    new-instance v1, Landroid/os/StatFs;
    invoke-direct {v1, v0}, Landroid/os/StatFs;-><init>(Ljava/lang/String;)V
    invoke-virtual {v1}, Landroid/os/StatFs;->getAvailableBytes()J
    move-result-wide v0
    return-wide v0
.end method
