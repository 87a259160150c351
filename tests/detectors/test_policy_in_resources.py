"""A privacy policy kept in the APK's resources (a resources.arsc string value, a res/raw
file of any name) is found, read and recorded with its source and hash like the other
sources; a short consent-dialog string that only mentions 隐私政策 is not taken for it.

The APKs are made here: aapt compiles clean's manifest with the res/ written below, and
clean.apk's classes.dex is added (no assets: no policy-named file). Expected values follow
from the texts below (which words each holds is visible), and the hash is computed here from
the string's UTF-8 bytes with hashlib, independently of the scanner."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from scanner.engine import ScanRequest, detect
from scanner.knowledge import load_knowledge
from scanner.model.facts import Fact
from scanner.model.policy import PolicyInfo

REPO = Path(__file__).resolve().parents[2]
FRAMEWORK = Path("/usr/share/android-framework-res/framework-res.apk")
CLEAN = REPO / "corpus" / "apps" / "clean"

# about 1,600 characters: operator, contact, purposes, methods, retention, rights, third
# parties; declares phone number, precise location (位置信息 also coarse), clipboard; denies
# the address book
POLICY = (
    "示例清洁隐私政策\n"
    "本应用由杭州示例清洁科技有限公司（以下简称“我们”）开发和运营。"
    "我们深知个人信息对您的重要性，本政策说明我们如何收集、使用、保存和保护您的个人信息，"
    "以及您如何管理您的个人信息。请您在使用本应用前仔细阅读。\n"
    "一、我们如何收集和使用您的个人信息\n"
    "1. 注册登录：您需要提供手机号码，用于创建账号和验证身份。"
    "如您不提供，将无法使用需要登录的功能，但不影响浏览。\n"
    "2. 附近服务：在您授权后，我们会获取您的位置信息，用于向您推荐附近的清洁服务网点。"
    "您可以随时在系统设置中关闭位置权限。\n"
    "3. 口令识别：为识别您复制的服务口令，我们会在您打开应用时读取剪切板，识别在本地完成。\n"
    "4. 我们不会读取您的通讯录。\n"
    "二、第三方共享\n"
    "我们不会向第三方出售您的个人信息。为完成支付，我们会向支付机构提供订单编号和金额。"
    "我们接入的第三方SDK将在本政策附录中逐一列明其名称、提供方、目的和收集的信息。\n"
    "三、保存期限与地点\n"
    "您的个人信息存储于中华人民共和国境内。我们仅在实现本政策所述目的所必需的最短时间内保存您的信息，"
    "您注销账号后，我们将在十五个工作日内删除或匿名化处理您的个人信息。\n"
    "四、您的权利\n"
    "您可以在“我的-设置”中查阅、复制、更正您的个人资料，删除服务记录，撤回您的授权同意，"
    "或在“设置-账号与安全”中申请注销账号。我们将在十五个工作日内答复您的请求。\n"
    "五、未成年人保护\n"
    "若您是未满十四周岁的未成年人，请在监护人的陪同下阅读本政策，并在取得监护人同意后使用本应用。\n"
    "六、本政策的更新\n"
    "本政策更新后，我们会在应用内以弹窗方式提示您，并在征得您同意后适用更新后的政策。\n"
    "七、联系我们\n"
    "如您对本政策有任何疑问、意见或建议，可以发送邮件至 privacy@example-clean.cn，"
    "或拨打客服电话 400-800-1234，我们将在十五个工作日内回复。"
    "如您对我们的回复不满意，可以向网信、市场监管等部门投诉举报。\n"
) * 2
# the text an app shows in its first-run consent dialog: names 隐私政策, is no policy
DIALOG = ("欢迎使用示例清洁！我们依据法律法规收集、使用您的个人信息。在使用本应用前，"
          "请您务必仔细阅读并理解《用户协议》和《隐私政策》的全部内容。点击“同意”即表示您已阅读"
          "并同意上述协议。")


def _apk(tmp_path: Path, strings: dict[str, str], raw: dict[str, bytes]) -> Path:
    if shutil.which("aapt") is None or not FRAMEWORK.is_file():
        pytest.skip("aapt or android-framework-res not installed")
    src = tmp_path / "src"
    (src / "res" / "values").mkdir(parents=True)
    shutil.copy(CLEAN / "AndroidManifest.xml", src / "AndroidManifest.xml")
    body = "".join(f'<string name="{k}">{escape(v).replace(chr(10), chr(92) + "n")}</string>'
                   for k, v in {"app_name": "Clean", **strings}.items())
    (src / "res" / "values" / "strings.xml").write_text(
        f'<?xml version="1.0" encoding="utf-8"?><resources>{body}</resources>', "utf-8")
    if raw:
        (src / "res" / "raw").mkdir()
        for name, data in raw.items():
            (src / "res" / "raw" / name).write_bytes(data)
    res_apk = tmp_path / "res.apk"
    subprocess.run(["aapt", "package", "-f", "-M", str(src / "AndroidManifest.xml"),
                    "-S", str(src / "res"), "-I", str(FRAMEWORK), "-F", str(res_apk)],
                   check=True, capture_output=True, timeout=120)
    out = tmp_path / "app.apk"
    with zipfile.ZipFile(res_apk) as r, zipfile.ZipFile(out, "w") as w, \
            zipfile.ZipFile(REPO / "corpus" / "apk" / "clean.apk") as c:
        for n in r.namelist():
            w.writestr(n, r.read(n))
        w.writestr("classes.dex", c.read("classes.dex"))
    return out


def _scan(apk: Path):
    ctx, _ = detect(ScanRequest(apk=apk), load_knowledge())
    info = [x for x in ctx.collected if isinstance(x, PolicyInfo)]
    facts = {f.kind: f for f in ctx.collected if isinstance(f, Fact)}
    return (info[0] if info else None), facts


def test_a_policy_in_a_string_resource_is_read(tmp_path):
    apk = _apk(tmp_path, {"privacy_content": POLICY, "consent": DIALOG}, {})
    info, facts = _scan(apk)
    assert info is not None and info.found
    assert info.source == "apk:resources.arsc"
    assert info.sha256 == hashlib.sha256(POLICY.encode("utf-8")).hexdigest()
    assert info.judged  # over 1,500 characters
    declared = {d["pi_type"] for d in info.declared_pi}
    assert declared == {"phone_number", "precise_location", "coarse_location", "clipboard"}
    assert {d["pi_type"] for d in info.denied_pi} == {"contacts"}
    assert info.operator and info.operator["name"] == "杭州示例清洁科技有限公司"
    pp = facts["apk.privacy_policy"].attrs
    assert pp["present"] is True and pp["resources"] == ["resources.arsc"]
    assert pp["assets"] == []


def test_a_consent_dialog_string_is_not_the_policy(tmp_path):
    apk = _apk(tmp_path, {"consent": DIALOG}, {})
    info, facts = _scan(apk)
    assert info is None or not info.found
    assert facts["apk.privacy_policy"].attrs["resources"] == []


def test_a_policy_in_a_raw_file_of_any_name_is_read(tmp_path):
    html = ("<html><head><meta charset='utf-8'></head><body>"
            + "".join(f"<p>{escape(x)}</p>" for x in POLICY.splitlines())
            + "</body></html>").encode("utf-8")
    apk = _apk(tmp_path, {}, {"terms.html": html})
    info, facts = _scan(apk)
    assert info is not None and info.found
    assert info.source == "apk:res/raw/terms.html"
    assert info.sha256 == hashlib.sha256(html).hexdigest()
    assert "clipboard" in {d["pi_type"] for d in info.declared_pi}
    assert facts["apk.privacy_policy"].attrs["resources"] == ["res/raw/terms.html"]
