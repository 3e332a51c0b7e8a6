import Crypto
import Foundation

/// The cashier's page at `/`: a keyboard-wedge scanner types the token and
/// Enter into the focused field; the page asks `/v1/verify` and fills the
/// screen green (valid), red (refused) or amber (cannot decide), with the
/// reason in Traditional Chinese and English. Key-set freshness is always
/// shown, and a warning when sync fails or the clock is off. One
/// self-contained document: no external assets, so it works offline.
enum ScannerPage {
    static func html(merchant: String) -> String {
        template.replacingOccurrences(of: "{{MERCHANT}}", with: escape(merchant))
    }

    /// The page's Content-Security-Policy: its one inline script and style
    /// allowed by hash (CSP Level 2), nothing else inline; never framed.
    static let contentSecurityPolicy: String = {
        "default-src 'none'; script-src '\(hash(of: "script"))'; style-src '\(hash(of: "style"))'; connect-src 'self'; "
            + "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    }()

    /// `sha256-…` of the text inside the template's `<element>` (the merchant's
    /// name stands outside both, so one hash fits every page).
    static func hash(of element: String) -> String {
        guard let open = template.range(of: "<\(element)>"), let close = template.range(of: "</\(element)>", range: open.upperBound..<template.endIndex) else {
            preconditionFailure("the scanner page template has no <\(element)> element")
        }
        let digest = SHA256.hash(data: Data(template[open.upperBound..<close.lowerBound].utf8))
        return "sha256-" + Data(digest).base64EncodedString()
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static let template = #"""
    <!doctype html>
    <html lang="zh-Hant">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>校友卡驗證 Alumni card check — {{MERCHANT}}</title>
    <style>
      html, body { margin: 0; height: 100%; font-family: system-ui, "Noto Sans TC", "PingFang TC", sans-serif; background: #f4f4f2; color: #1a1a1a; }
      header { padding: 12px 20px; background: #23324a; color: #fff; display: flex; justify-content: space-between; align-items: baseline; flex-wrap: wrap; gap: 8px; }
      header h1 { font-size: 20px; margin: 0; }
      #freshness { font-size: 15px; opacity: 0.9; }
      #warning { display: none; padding: 14px 20px; background: #b00020; color: #fff; font-size: 20px; font-weight: 700; }
      #warning.shown { display: block; }
      main { padding: 20px; }
      label { font-size: 18px; display: block; margin-bottom: 8px; }
      #token { width: 100%; box-sizing: border-box; font-size: 20px; padding: 12px; border: 3px solid #23324a; border-radius: 6px; }
      #verdict { position: fixed; inset: 0; top: 120px; display: none; flex-direction: column; justify-content: center; align-items: center; text-align: center; padding: 24px; color: #fff; }
      #verdict.ok { display: flex; background: #0a7d32; }
      #verdict.refused { display: flex; background: #c0161e; }
      #verdict.unavailable { display: flex; background: #b36b00; }
      #verdict .big { font-size: 72px; font-weight: 800; margin: 0 0 12px; }
      #verdict .reason { font-size: 30px; margin: 4px 0; }
      #verdict .facts { font-size: 26px; margin-top: 20px; }
      #verdict .note { font-size: 22px; margin-top: 16px; background: rgba(0,0,0,0.25); padding: 8px 16px; border-radius: 6px; }
      #verdict .note:empty { display: none; }
    </style>
    </head>
    <body>
    <header><h1>校友卡驗證 Alumni card check · {{MERCHANT}}</h1><span id="freshness">…</span></header>
    <div id="warning" role="alert"></div>
    <main>
      <label for="token">請掃描校友卡 QR code · Scan the alumni card's QR code</label>
      <input id="token" autocomplete="off" autofocus spellcheck="false" aria-label="token">
    </main>
    <section id="verdict" aria-live="assertive" data-verdict="">
      <p class="big" id="verdict-title"></p>
      <p class="reason" id="reason-zh"></p>
      <p class="reason" id="reason-en"></p>
      <p class="facts"><span id="holder"></span> <span id="valid-through"></span></p>
      <p class="note" id="note"></p>
    </section>
    <script>
    "use strict";
    const REASONS = {
      ok: ["校友卡有效", "The alumni card is valid"],
      malformed: ["無法讀取的條碼，請重新掃描", "Not a readable alumni card code; scan again"],
      unsupported_algorithm: ["不支援的簽章方式", "The code uses an unsupported signature method"],
      unknown_key: ["未知的簽章金鑰，請同步金鑰後再試", "Signed by an unknown key; sync the keys and scan again"],
      bad_signature: ["簽章不符，條碼可能遭偽造或竄改", "The signature does not match: the code may be forged"],
      key_revoked: ["簽章金鑰已被撤銷", "Signed by a revoked key"],
      key_not_valid: ["簽章時間不在金鑰有效期間內", "Signed outside its key's validity period"],
      not_yet_valid: ["條碼時間在未來，請檢查本機時鐘", "The code is dated in the future: check this device's clock"],
      expired: ["條碼已過期，請持卡人重新開啟校友卡", "The code has expired: ask the holder to reopen the card"],
      card_expired: ["校友卡已過期", "The alumni card itself has expired"],
      card_revoked: ["校友卡已被撤銷", "The alumni card has been revoked"],
      replayed: ["此條碼已掃描過，請持卡人出示即時校友卡", "This code was already scanned; ask for the live card"],
      keyset_stale: ["驗證金鑰過期，無法判定，請連線同步", "Keys out of date, cannot decide: connect to sync"]
    };
    const TITLES = { ok: "有效 VALID", refused: "拒絕 REFUSED", unavailable: "無法判定 CANNOT DECIDE" };
    const input = document.getElementById("token");
    const panel = document.getElementById("verdict");

    function duration(seconds) {
      const s = Math.abs(seconds);
      if (s < 120) return [Math.round(s) + " 秒", Math.round(s) + " s"];
      if (s < 7200) return [Math.round(s / 60) + " 分鐘", Math.round(s / 60) + " min"];
      if (s < 172800) return [Math.round(s / 3600) + " 小時", Math.round(s / 3600) + " h"];
      return [Math.round(s / 86400) + " 天", Math.round(s / 86400) + " days"];
    }
    function clock(epoch) {
      const d = new Date(epoch * 1000);
      return d.toLocaleTimeString("zh-TW", { hour: "2-digit", minute: "2-digit", second: "2-digit" });
    }
    let scannedAt = 0;
    function show(answer) {
      // How long from Enter to the verdict on screen, for the page test and the curious.
      panel.dataset.ms = String(Math.round(performance.now() - scannedAt));
      const reason = REASONS[answer.reason] || [answer.reason, answer.message || answer.reason];
      panel.className = answer.verdict;
      panel.dataset.verdict = answer.verdict;
      panel.dataset.reason = answer.reason;
      document.getElementById("verdict-title").textContent = TITLES[answer.verdict] || answer.verdict;
      document.getElementById("reason-zh").textContent = reason[0];
      document.getElementById("reason-en").textContent = reason[1];
      document.getElementById("holder").textContent = answer.holder_name || "";
      document.getElementById("valid-through").textContent = answer.valid_through ? "有效期限 valid through " + answer.valid_through : "";
      let note = "";
      if (answer.seen_before && answer.verdict === "ok") note = "注意：此條碼曾於 " + clock(answer.first_seen_at) + " 掃描 · Note: scanned before at " + clock(answer.first_seen_at);
      if (answer.clock_warning) note += (note ? " · " : "") + "本機時鐘落後 · This device's clock is behind";
      document.getElementById("note").textContent = note;
    }
    async function check(token) {
      try {
        const response = await fetch("/v1/verify", { method: "POST", headers: { "Content-Type": "text/plain" }, body: token });
        const answer = await response.json();
        if (!response.ok) { show({ verdict: "refused", reason: "malformed", message: (answer.error || {}).message }); return; }
        show(answer);
      } catch (error) {
        show({ verdict: "unavailable", reason: "keyset_stale", message: String(error) });
      }
    }
    input.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      const token = input.value.trim();
      input.value = "";
      scannedAt = performance.now();
      if (token) check(token);
    });
    // Keep the field focused: the scanner types wherever the focus is.
    input.addEventListener("blur", () => setTimeout(() => input.focus(), 0));
    document.addEventListener("click", () => input.focus());

    async function refreshStatus() {
      const freshness = document.getElementById("freshness");
      const warning = document.getElementById("warning");
      try {
        const status = await (await fetch("/v1/status")).json();
        const problems = [];
        if (status.keyset) {
          const age = duration(status.keyset.age_seconds), left = duration(status.keyset.usable_for_seconds);
          freshness.textContent = status.keyset.stale
            ? "金鑰已過期 " + left[0] + " · keys expired " + left[1] + " ago"
            : "金鑰 " + age[0] + "前更新，尚可使用 " + left[0] + " · keys updated " + age[1] + " ago, valid " + left[1] + " more";
          if (status.keyset.stale) problems.push("金鑰已過期，無法驗證 · Keys are out of date: verification is off");
        } else {
          freshness.textContent = "尚無金鑰 · no keys yet";
          problems.push("尚未取得金鑰 · No keys fetched yet");
        }
        if (status.sync.last_error && status.sync.consecutive_failures > 0)
          problems.push("金鑰同步失敗 · Key sync is failing: " + status.sync.last_error);
        else if (status.sync.warning)
          problems.push("金鑰許久未更新 · Keys have not been renewed: " + status.sync.warning);
        if (!status.clock.ok)
          problems.push("本機時鐘落後 " + duration(status.clock.behind_seconds)[0] + " · This device's clock is " + duration(status.clock.behind_seconds)[1] + " behind");
        warning.textContent = problems.join(" — ");
        warning.className = problems.length ? "shown" : "";
      } catch (error) {
        warning.textContent = "驗證程式無回應 · The verifier is not answering";
        warning.className = "shown";
      }
    }
    refreshStatus();
    setInterval(refreshStatus, 30000);
    input.focus();
    </script>
    </body>
    </html>
    """#
}
