/// The texts of every mail, one catalogue per language. Placeholders are
/// filled by ``MailComposer``; no text ever holds a national ID or a password.
package struct MailCatalogue: Sendable {
    package let signature: String
    /// To the address the applicant gave: it greets no one by the name typed, so the centre's mail carries no text of the sender's.
    package let applicationReceived: @Sendable (_ id: String, _ reviewDue: String, _ statusLink: String,
                                        _ consentVersion: String, _ consentSHA256: String, _ consentedAt: String) -> (subject: String, body: String)
    /// To the address on file; no text the applicant typed reaches it.
    package let identityAlreadyKnown: @Sendable () -> (subject: String, body: String)
    package let applicationApproved: @Sendable (_ name: String, _ studentID: String, _ loginURL: String) -> (subject: String, body: String)
    /// To an applicant whose address is not the account's: the details went to the address on file.
    package let approvedDetailsOnFile: @Sendable (_ name: String) -> (subject: String, body: String)
    /// To the address an approval replaced.
    package let contactReplaced: @Sendable (_ name: String, _ studentID: String) -> (subject: String, body: String)
    package let applicationRejected: @Sendable (_ name: String, _ reason: String) -> (subject: String, body: String)
    package let informationRequested: @Sendable (_ name: String, _ message: String, _ statusLink: String, _ answerWithinDays: Int) -> (subject: String, body: String)
    /// The reason recorded and mailed when a request for more goes unanswered.
    package let lapsedReason: @Sendable (_ days: Int) -> String
    package let passwordReset: @Sendable (_ link: String, _ minutes: Int) -> (subject: String, body: String)
    package let accountReady: @Sendable (_ name: String, _ studentID: String, _ loginURL: String) -> (subject: String, body: String)
    package let firstLoginCode: @Sendable (_ code: String, _ minutes: Int) -> (subject: String, body: String)
    /// To the address on file when an account's first login is guessed at too often.
    package let firstLoginGuessed: @Sendable (_ studentID: String, _ attempts: Int) -> (subject: String, body: String)
    package let cardIssued: @Sendable (_ name: String, _ number: String, _ validThrough: String, _ renewal: Bool, _ feeOwed: Int, _ cardURL: String) -> (subject: String, body: String)
    /// A contact datum's name in a mail (`phone`, `mobile`, `permanent_address`, `mailing_address`).
    package let contactField: @Sendable (_ field: String) -> String
    /// To the e-mail address on file, after the holder changed contact data.
    package let contactChanged: @Sendable (_ name: String, _ fields: [String], _ at: String, _ accountURL: String) -> (subject: String, body: String)
    /// To the new address: the code that confirms it.
    package let emailChangeCode: @Sendable (_ code: String, _ minutes: Int) -> (subject: String, body: String)
    /// To the old address when a change is asked for; the new one only masked.
    package let emailChangeRequested: @Sendable (_ name: String, _ newMasked: String, _ at: String) -> (subject: String, body: String)
    /// To the owner of an address another account tried to move to; nothing about that account.
    package let emailAddressInUse: @Sendable () -> (subject: String, body: String)
    /// To the old address once the change is confirmed.
    package let emailChanged: @Sendable (_ name: String, _ newMasked: String, _ at: String) -> (subject: String, body: String)
    /// A data request's kind in words.
    package let dataRequestKind: @Sendable (_ kind: String) -> String
    /// The receipt of a data request, with its statutory due date (a copy: ready to download until `until`).
    package let dataRequestReceived: @Sendable (_ name: String, _ kind: String, _ id: String, _ due: String, _ copyUntil: String?, _ url: String) -> (subject: String, body: String)
    package let dataRequestExtended: @Sendable (_ name: String, _ kind: String, _ id: String, _ due: String, _ reason: String) -> (subject: String, body: String)
    package let dataRequestDecided: @Sendable (_ name: String, _ kind: String, _ id: String, _ completed: Bool, _ text: String) -> (subject: String, body: String)
    /// 30 and 7 days before a digital card ends (`days_30`, `days_7`), and the day after (`ended`).
    package let cardReminder: @Sendable (_ name: String, _ number: String, _ validThrough: String, _ kind: String, _ renewURL: String, _ accountURL: String) -> (subject: String, body: String)

    package static let traditionalChinese = MailCatalogue(
        signature: "國立臺灣大學校友中心",
        applicationReceived: { id, due, link, version, hash, at in
            ("已收到您的校友帳號申請",
             """
             您好：

             我們已收到您的校友帳號申請（編號 \(id)），將於 \(due) 前完成審核，結果會以電子郵件通知您。

             隨時可由下列專屬連結查看審核進度（請勿轉寄）：
             \(link)

             個人資料同意紀錄
             告知事項版本：\(version)
             內容雜湊（SHA-256）：\(hash)
             同意時間：\(at)
             """)
        },
        identityAlreadyKnown: {
            ("有人以您的身分申請校友帳號",
             """
             校友您好：

             我們收到一份以您的身分證統一編號提出的校友帳號申請。您的學籍資料已在本中心，申請須經人工審核，核准前不會變更您的聯絡資料。若是您本人提出，可直接登入，或使用「忘記密碼」重設；若不是您，請與校友中心聯絡。
             """)
        },
        applicationApproved: { name, studentID, url in
            ("您的校友帳號已開通",
             """
             \(name) 您好：

             您的校友帳號申請已核准。
             帳號：\(studentID)（亦可使用您的電子郵件或手機號碼登入）
             首次登入密碼：您的身分證統一編號（或居留證統一證號），登入後須立即變更密碼。

             登入：\(url)
             """)
        },
        approvedDetailsOnFile: { name in
            ("您的校友帳號申請已核准",
             """
             \(name) 您好：

             您的校友帳號申請已核准。登入方式已寄至學校學籍資料所載的電子郵件地址；若該地址已無法使用，請與校友中心聯絡。
             """)
        },
        contactReplaced: { name, studentID in
            ("您的校友帳號聯絡資料已變更",
             """
             \(name) 您好：

             校友中心核准一份帳號申請時，依審核人員的確認，將帳號 \(studentID) 的電子郵件地址改為申請書所填的地址。若這不是您本人的申請，請立即與校友中心聯絡。
             """)
        },
        applicationRejected: { name, reason in
            ("您的校友帳號申請未獲核准",
             """
             \(name) 您好：

             很抱歉，您的校友帳號申請未獲核准，原因如下：
             \(reason)

             如有疑問，請與校友中心聯絡。
             """)
        },
        informationRequested: { name, message, link, days in
            ("校友帳號申請：請補充資料",
             """
             \(name) 您好：

             審核您的校友帳號申請時，我們需要您補充以下資料：
             \(message)

             請於 \(days) 天內由下列連結回覆並上傳文件；審核期限自您回覆之日起續算。逾期未回覆，申請將結案。
             \(link)
             """)
        },
        lapsedReason: { days in "我們於 \(days) 天內未收到您對補件要求的回覆，申請已結案。如仍需要校友帳號，歡迎重新申請。" },
        passwordReset: { link, minutes in
            ("重設校友帳號密碼",
             """
             您好：

             我們收到重設您校友帳號密碼的要求。請於 \(minutes) 分鐘內開啟下列連結設定新密碼（連結僅能使用一次）：
             \(link)

             若您沒有提出此要求，請忽略本信，您的密碼不會改變。

             若是手機遺失：新密碼會讓其他裝置登出，但手機上已預備的校友證條碼在一天內仍可使用；請同時來電校友中心暫停校友證。
             """)
        },
        accountReady: { name, studentID, url in
            ("您的校友帳號已開通",
             """
             \(name) 您好：

             恭喜畢業！您的校友帳號已開通。
             帳號：\(studentID)
             首次登入密碼：您的身分證統一編號（或居留證統一證號），登入後須立即變更密碼。

             登入：\(url)
             """)
        },
        firstLoginCode: { code, minutes in
            ("校友帳號首次登入驗證碼",
             """
             您好：

             您的首次登入驗證碼為 \(code)，\(minutes) 分鐘內有效，僅能使用一次。
             若不是您本人登入，請忽略本信並與校友中心聯絡。
             """)
        },
        firstLoginGuessed: { studentID, attempts in
            ("校友帳號首次登入的異常嘗試",
             """
             您好：

             今天已有 \(attempts) 次以錯誤的身分證統一編號嘗試首次登入帳號 \(studentID)。為保護您的帳號，今天起首次登入須另輸入寄到本信箱的驗證碼。
             若是您本人，請再登入一次並輸入寄來的驗證碼；若不是您，請與校友中心聯絡。
             """)
        },
        cardIssued: { name, number, validThrough, renewal, fee, url in
            (renewal ? "您的數位校友證已續期" : "您的數位校友證已核發",
             """
             \(name) 您好：

             \(renewal ? "您的數位校友證已續期" : "您的數位校友證已核發")。
             卡號：\(number)
             有效期限：\(validThrough)
             \(fee > 0 ? "應繳費用：新臺幣 \(fee) 元，請至校友中心櫃檯繳納；繳清前無法再申請。" : "")

             登入後即可在手機上出示校友證 QR code，至特約商店享有校友優惠：\(url)
             """)
        },
        contactField: { field in
            ["phone": "電話", "mobile": "手機號碼", "permanent_address": "戶籍地址", "mailing_address": "通訊地址"][field] ?? field
        },
        contactChanged: { name, fields, at, url in
            ("您的校友帳號聯絡資料已變更",
             """
             \(name) 您好：

             您的校友帳號於 \(at) 變更了下列聯絡資料：\(fields.joined(separator: "、"))。
             若是您本人變更，無須理會本信；若不是，請立即登入變更密碼、登出其他裝置，並與校友中心聯絡：\(url)
             """)
        },
        emailChangeCode: { code, minutes in
            ("請確認您的新電子郵件地址",
             """
             您好：

             您的校友帳號申請將登入用的電子郵件地址改為本信箱。確認碼：\(code)
             確認碼 \(minutes) 分鐘內有效，僅能使用一次。若不是您本人申請，請勿理會本信。
             """)
        },
        emailChangeRequested: { name, masked, at in
            ("您的校友帳號申請變更電子郵件地址",
             """
             \(name) 您好：

             您的校友帳號於 \(at) 申請將電子郵件地址改為 \(masked)，須以寄到新地址的確認碼完成。完成前，本地址仍可登入。
             若不是您本人申請，請立即登入變更密碼並登出其他裝置，或與校友中心聯絡。
             """)
        },
        emailAddressInUse: {
            ("有人嘗試以您的電子郵件地址變更另一個校友帳號",
             """
             校友您好：

             另一個校友帳號剛嘗試把登入用的電子郵件地址改為本信箱。本信箱已屬於您的帳號，因此未做任何變更，也沒有寄出確認碼。
             若您不知情，無須處理；如有疑問，請與校友中心聯絡。
             """)
        },
        emailChanged: { name, masked, at in
            ("您的校友帳號電子郵件地址已變更",
             """
             \(name) 您好：

             您的校友帳號於 \(at) 將電子郵件地址改為 \(masked)。自此本地址不能再登入，也不再收到校友中心的通知。
             若不是您本人變更，請立即與校友中心聯絡。
             """)
        },
        dataRequestKind: { kind in
            ["copy": "製給複製本", "correction": "補充或更正", "stop_processing": "停止蒐集、處理或利用", "deletion": "刪除"][kind] ?? kind
        },
        dataRequestReceived: { name, kind, id, due, until, url in
            ("已收到您的個人資料請求",
             """
             \(name) 您好：

             我們已收到您依個人資料保護法提出的請求（\(kind)，編號 \(id)）。
             \(until.map { "複製本已備妥，登入後可於 \($0) 前下載：\(url)" } ?? "我們將於 \(due) 前處理並以電子郵件通知您結果；如須延長，會先告知原因。")
             """)
        },
        dataRequestExtended: { name, kind, id, due, reason in
            ("您的個人資料請求處理期限延長",
             """
             \(name) 您好：

             您的請求（\(kind)，編號 \(id)）須延長處理，新的期限為 \(due)。
             原因：\(reason)
             """)
        },
        dataRequestDecided: { name, kind, id, completed, text in
            (completed ? "您的個人資料請求已處理完成" : "您的個人資料請求未能照辦",
             """
             \(name) 您好：

             您的請求（\(kind)，編號 \(id)）\(completed ? "已處理完成" : "經審酌後未能照辦")。
             \(completed ? "說明" : "理由")：\(text)
             \(completed && kind.contains("刪除") ? "您的帳號已關閉，個人資料已刪除；本信是寄到此地址的最後一封信。" : "")
             """)
        },
        cardReminder: { name, number, through, kind, renew, account in
            (kind == "ended" ? "您的數位校友證已到期" : "您的數位校友證即將到期",
             """
             \(name) 您好：

             \(kind == "ended" ? "您的數位校友證（卡號 \(number)）已於 \(through) 到期。" : "您的數位校友證（卡號 \(number)）將於 \(through) 到期。")
             續期申請：\(renew)

             不想再收到到期提醒，可在帳號頁關閉：\(account)
             """)
        }
    )

    package static let english = MailCatalogue(
        signature: "Alumni Centre, National Taiwan University",
        applicationReceived: { id, due, link, version, hash, at in
            ("We have received your alumni account application",
             """
             Hello,

             We have received your application for an alumni account (number \(id)). We will decide on it by \(due) and tell you by e-mail.

             You can follow its progress at any time through this private link (please do not forward it):
             \(link)

             Your consent to the personal-data notice
             Notice version: \(version)
             Text hash (SHA-256): \(hash)
             Agreed at: \(at)
             """)
        },
        identityAlreadyKnown: {
            ("Someone applied for an alumni account in your name",
             """
             Dear alumnus,

             We received an application for an alumni account with your national ID number. The university's record of you is already with us; the application is reviewed by staff, and nothing in your contact details changes before then. If it was you, sign in, or use "forgot password" to set a new one. If it was not you, please contact the Alumni Centre.
             """)
        },
        applicationApproved: { name, studentID, url in
            ("Your alumni account is open",
             """
             Dear \(name),

             Your application for an alumni account has been approved.
             Login: \(studentID) (your e-mail address or mobile number work too)
             First password: your national ID (or resident certificate) number. You will be asked to choose a new password at once.

             Sign in: \(url)
             """)
        },
        approvedDetailsOnFile: { name in
            ("Your alumni account application is approved",
             """
             Dear \(name),

             Your application for an alumni account has been approved. How to sign in was sent to the e-mail address in the university's record of you; if you can no longer read it, please contact the Alumni Centre.
             """)
        },
        contactReplaced: { name, studentID in
            ("The contact details of your alumni account changed",
             """
             Dear \(name),

             On approving an account application, the Alumni Centre's staff replaced the e-mail address of account \(studentID) with the one given in the application. If that application was not yours, please contact the Alumni Centre at once.
             """)
        },
        applicationRejected: { name, reason in
            ("Your alumni account application was not approved",
             """
             Dear \(name),

             We are sorry: your application for an alumni account was not approved, for this reason:
             \(reason)

             If you have questions, please contact the Alumni Centre.
             """)
        },
        informationRequested: { name, message, link, days in
            ("Alumni account application: more information needed",
             """
             Dear \(name),

             To decide on your application we need the following from you:
             \(message)

             Please answer and upload documents through this link within \(days) days; the review deadline counts on from the day you answer. \
             Without an answer by then, the application is closed.
             \(link)
             """)
        },
        lapsedReason: { days in "We received no answer to our request for more information within \(days) days, so the application is closed. You are welcome to apply again." },
        passwordReset: { link, minutes in
            ("Reset your alumni account password",
             """
             Hello,

             We received a request to reset the password of your alumni account. Open this link within \(minutes) minutes to choose a new password (it works once):
             \(link)

             If you did not ask for this, ignore this message; your password stays as it is.

             Lost your phone? A new password signs other devices out, but the card codes a phone has already prepared stay usable for up to a day: call the Alumni Centre to suspend your card as well.
             """)
        },
        accountReady: { name, studentID, url in
            ("Your alumni account is open",
             """
             Dear \(name),

             Congratulations on your graduation! Your alumni account is open.
             Login: \(studentID)
             First password: your national ID (or resident certificate) number. You will be asked to choose a new password at once.

             Sign in: \(url)
             """)
        },
        firstLoginCode: { code, minutes in
            ("Your alumni account first-login code",
             """
             Hello,

             Your first-login code is \(code). It is valid for \(minutes) minutes and works once.
             If you are not signing in, ignore this message and contact the Alumni Centre.
             """)
        },
        firstLoginGuessed: { studentID, attempts in
            ("Unusual first-login attempts on your alumni account",
             """
             Hello,

             Today \(attempts) attempts were made to sign in to account \(studentID) for the first time with a wrong national ID. To protect the account, its first login now also needs a code mailed to this address.
             If it was you, sign in again and enter the code we send. If not, please contact the Alumni Centre.
             """)
        },
        cardIssued: { name, number, validThrough, renewal, fee, url in
            (renewal ? "Your digital alumni card was renewed" : "Your digital alumni card is ready",
             """
             Dear \(name),

             \(renewal ? "Your digital alumni card was renewed." : "Your digital alumni card has been issued.")
             Card number: \(number)
             Valid through: \(validThrough)
             \(fee > 0 ? "Fee owed: \(fee) TWD, payable at the Alumni Centre desk; no further application is taken until it is paid." : "")

             Sign in to show the card's QR code on your phone at partner merchants for alumni offers: \(url)
             """)
        },
        contactField: { field in
            ["phone": "phone", "mobile": "mobile number", "permanent_address": "permanent address", "mailing_address": "mailing address"][field] ?? field
        },
        contactChanged: { name, fields, at, url in
            ("Your alumni account's contact details changed",
             """
             Dear \(name),

             At \(at) your alumni account's \(fields.joined(separator: ", ")) changed.
             If you made the change, there is nothing to do. If not, sign in at once, change your password, sign out your other devices and contact the Alumni Centre: \(url)
             """)
        },
        emailChangeCode: { code, minutes in
            ("Confirm your new e-mail address",
             """
             Hello,

             Your alumni account asked to make this address its e-mail address for signing in. Your code: \(code)
             It is valid for \(minutes) minutes and works once. If you did not ask for this, ignore this message.
             """)
        },
        emailChangeRequested: { name, masked, at in
            ("A change of your alumni account's e-mail address was requested",
             """
             Dear \(name),

             At \(at) your alumni account asked to change its e-mail address to \(masked). The change completes only with the code sent to the new address; until then this address still signs in.
             If you did not ask for this, sign in at once, change your password and sign out your other devices, or contact the Alumni Centre.
             """)
        },
        emailAddressInUse: {
            ("Someone tried to move another alumni account to your e-mail address",
             """
             Hello,

             Another alumni account just tried to make this address its e-mail address. This address belongs to your account, so nothing was changed and no code was sent.
             There is nothing you need to do; if in doubt, contact the Alumni Centre.
             """)
        },
        emailChanged: { name, masked, at in
            ("Your alumni account's e-mail address changed",
             """
             Dear \(name),

             At \(at) your alumni account's e-mail address was changed to \(masked). This address no longer signs in and no longer receives the Alumni Centre's notices.
             If you did not make this change, contact the Alumni Centre at once.
             """)
        },
        dataRequestKind: { kind in
            ["copy": "a copy", "correction": "supplement or correct", "stop_processing": "stop collecting, processing or using",
             "deletion": "deletion"][kind] ?? kind
        },
        dataRequestReceived: { name, kind, id, due, until, url in
            ("We received your personal data request",
             """
             Dear \(name),

             We received your request under the Personal Data Protection Act (\(kind), number \(id)).
             \(until.map { "Your copy is ready: sign in and download it before \($0): \(url)" } ?? "We will deal with it by \(due) and tell you the outcome by e-mail; should we need longer, we will tell you why first.")
             """)
        },
        dataRequestExtended: { name, kind, id, due, reason in
            ("More time is needed for your personal data request",
             """
             Dear \(name),

             Your request (\(kind), number \(id)) needs more time; the new date is \(due).
             Reason: \(reason)
             """)
        },
        dataRequestDecided: { name, kind, id, completed, text in
            (completed ? "Your personal data request is done" : "Your personal data request was refused",
             """
             Dear \(name),

             Your request (\(kind), number \(id)) \(completed ? "has been carried out" : "was refused").
             \(completed ? "Note" : "Reason"): \(text)
             \(completed && kind == "deletion" ? "Your account is closed and your personal data deleted; this is the last message to this address." : "")
             """)
        },
        cardReminder: { name, number, through, kind, renew, account in
            (kind == "ended" ? "Your digital alumni card has ended" : "Your digital alumni card ends soon",
             """
             Dear \(name),

             \(kind == "ended" ? "Your digital alumni card (number \(number)) ended on \(through)." : "Your digital alumni card (number \(number)) is valid through \(through).")
             Renew it: \(renew)

             To stop these reminders, turn them off on your account page: \(account)
             """)
        }
    )
}
