import AccountRules
import Foundation

/// How an approval opens an account, for every backend: a new holder, or
/// the one the registrar imported under the student ID, completed. The
/// registrar's record is the authority: its national ID must be the
/// application's, and its name, e-mail and mobile stay unless staff chose
/// to take a field from the application. National ID and mobile are sealed
/// and indexed; no password (the first login is with the national ID), and
/// a change is required.
///
/// A backend computes the plan's keys, looks up what it holds under them
/// (locking the existing holder), and writes the row ``decide`` returns.
package struct AccountOpeningPlan: Sendable {
    package let form: AccountApplicationForm
    package let number: IdentityNumber
    package let mobile: TaiwanMobileNumber?
    /// The keys a backend looks holders up by.
    package let nationalIDIndex: Data
    package let emailIndex: Data
    package let mobileIndex: Data?
    private let seal: PersonalDataSeal

    package init(_ application: AccountApplication, seal: PersonalDataSeal) throws(IssuerStoreError) {
        form = application.form
        guard let number = try? IdentityNumber(form.nationalID) else {
            throw IssuerStoreError(.corruptRecord, "the application's national ID does not validate")
        }
        self.number = number
        mobile = try? TaiwanMobileNumber(form.mobile)
        nationalIDIndex = seal.nationalIDIndex(number)
        emailIndex = seal.emailIndex(form.email)
        mobileIndex = mobile.map(seal.mobileIndex)
        self.seal = seal
    }

    /// What the backend holds under the plan's keys: student IDs of the
    /// owners of the national ID, e-mail and mobile, and the holder under
    /// the approval's student ID in any case.
    package struct Found: Sendable {
        package var nationalIDOwner: String?
        package var existing: HolderRow?
        package var emailOwner: String?
        package var mobileOwner: String?

        package init(nationalIDOwner: String?, existing: HolderRow?, emailOwner: String?, mobileOwner: String?) {
            self.nationalIDOwner = nationalIDOwner
            self.existing = existing
            self.emailOwner = emailOwner
            self.mobileOwner = mobileOwner
        }
    }

    package struct Outcome: Sendable {
        /// The row to write: `existing` updated, or a new one (`id` nil).
        package let holder: HolderRow
        package let account: OpenedAccount
        /// The fields taken from the application.
        package let taken: Set<ContactField>
    }

    package func decide(studentID: String, take: Set<ContactField>, onlyIfNothingReplaced: Bool, found: Found,
                        now: Int64) throws(IssuerStoreError) -> Outcome {
        if let owner = found.nationalIDOwner, owner.uppercased() != studentID.uppercased() {
            throw IssuerStoreError(.invalidChange, "this national ID already belongs to student \(owner); approve with that student ID or reject")
        }
        let existing = found.existing
        if let existing, existing.passwordHash != nil {
            throw IssuerStoreError(.invalidChange, "student \(existing.studentID) already has an account with a password; the applicant can sign in or reset it")
        }
        if let existing, let onFile = existing.nationalIDIndex, onFile != nationalIDIndex {
            throw IssuerStoreError(.invalidChange, """
                the registrar's record of student \(existing.studentID) holds a different national ID from this application's; \
                reject it, ask the applicant, or have the registrar correct the record
                """)
        }
        let id = existing?.studentID ?? studentID
        var holder = existing ?? HolderRow(id: nil, studentID: id, sealedName: Data(), sealedEmail: nil, emailIndex: nil,
                                           status: HolderStatus.active.rawValue, passwordHash: nil, createdAt: now, updatedAt: now)
        // A field comes from the application when the holder is new, the
        // registrar left it blank, or staff chose it having seen both.
        func fromApplication(_ field: ContactField, onFile: Data?) -> Bool { existing == nil || onFile == nil || take.contains(field) }
        let registrarName = try existing.map { existing throws(IssuerStoreError) in try seal.open(existing.sealedName, field: "name", studentID: id) }
        let registrarEmail = try existing?.sealedEmail.map { sealed throws(IssuerStoreError) in try seal.open(sealed, field: "email", studentID: id) }
        var taken = Set<ContactField>()
        if fromApplication(.name, onFile: existing.flatMap { $0.sealedName.isEmpty ? nil : $0.sealedName }), registrarName != form.chineseName {
            holder.sealedName = seal.seal(form.chineseName, field: "name", studentID: id)
            taken.insert(.name)
        }
        if fromApplication(.email, onFile: existing?.sealedEmail), existing?.emailIndex != emailIndex {
            if let owner = found.emailOwner, owner != id {
                throw IssuerStoreError(.invalidChange, "the applicant's e-mail address already belongs to student \(owner)")
            }
            holder.sealedEmail = seal.seal(form.email, field: "email", studentID: id)
            holder.emailIndex = emailIndex
            taken.insert(.email)
        }
        // A mobile number is a login name: one holder only. When another
        // holder has it, the registrar's stays and the e-mail is the way in.
        if let mobile, fromApplication(.mobile, onFile: existing?.sealedMobile), existing?.mobileIndex != mobileIndex,
           found.mobileOwner == nil || found.mobileOwner == id {
            holder.sealedMobile = seal.seal(mobile.digits, field: "mobile", studentID: id)
            holder.mobileIndex = mobileIndex
            taken.insert(.mobile)
        }
        let replaced = existing.map { existing in taken.filter { field in
            switch field {
            case .name: !existing.sealedName.isEmpty
            case .email: existing.sealedEmail != nil
            case .mobile: existing.sealedMobile != nil
            }
        } } ?? []
        if onlyIfNothingReplaced, existing == nil || !replaced.isEmpty || existing?.emailIndex != emailIndex {
            let what = existing == nil ? "no record" : replaced.isEmpty ? "e-mail" : replaced.map(\.rawValue).sorted().joined(separator: ", ")
            throw IssuerStoreError(.invalidChange, """
                the applicant's contact data differs from the registrar's record of student \(id) (\(what)); \
                compare them in the console and approve one by one
                """)
        }
        holder.sealedNationalID = seal.seal(number.value, field: "national_id", studentID: id)
        holder.nationalIDIndex = nationalIDIndex
        holder.passwordChangeRequired = true
        holder.updatedAt = now
        let account = OpenedAccount(
            studentID: id, name: taken.contains(.name) ? form.chineseName : registrarName ?? form.chineseName,
            email: taken.contains(.email) ? form.email : registrarEmail,
            replacedEmail: replaced.contains(.email) ? registrarEmail : nil)
        return Outcome(holder: holder, account: account, taken: taken)
    }
}
