import AccountRules
import Foundation

/// A holder's account as every backend stores it, and the rules that turn
/// it into ``AccountDetails`` and apply a ``ContactUpdate`` to it, so that
/// SQLite and PostgreSQL differ only in how they read and write columns.
package struct StoredAccount: Sendable {
    package var holder: HolderRow
    package var sealedProfile: Data?
    package var reminders: Bool
    /// The newest approved application of the holder, read while
    /// `sealedProfile` is still nil: the profile starts as what it said.
    package var approvedApplication: (id: String, sealedForm: Data)?

    package init(holder: HolderRow, sealedProfile: Data?, reminders: Bool, approvedApplication: (id: String, sealedForm: Data)?) {
        self.holder = holder
        self.sealedProfile = sealedProfile
        self.reminders = reminders
        self.approvedApplication = approvedApplication
    }

    package func details(seal: PersonalDataSeal) throws(IssuerStoreError) -> AccountDetails {
        let plain = try holder.holder(seal: seal)
        let nationalID = try holder.sealedNationalID.map { sealed throws(IssuerStoreError) in
            try seal.open(sealed, field: "national_id", studentID: holder.studentID)
        }
        return AccountDetails(holderID: plain.id, studentID: plain.studentID, chineseName: plain.displayName,
                              nationalIDMasked: nationalID.map { (try? IdentityNumber($0).masked) ?? "**********" },
                              email: plain.email, mobile: plain.mobile, profile: try profile(seal: seal), reminders: reminders)
    }

    package func profile(seal: PersonalDataSeal) throws(IssuerStoreError) -> HolderProfile {
        if let sealedProfile {
            let text = try seal.open(sealedProfile, field: "profile", studentID: holder.studentID)
            guard let profile = try? JSONDecoder().decode(HolderProfile.self, from: Data(text.utf8)) else {
                throw IssuerStoreError(.corruptRecord, "the profile of holder \(holder.studentID) is unreadable")
            }
            return profile
        }
        guard let (id, sealed) = approvedApplication else { return HolderProfile() }
        return HolderProfile(try seal.openApplicationForm(sealed, id: id))
    }

    /// The columns a contact change writes, and what changed.
    package struct ContactWrite: Sendable {
        package let sealedProfile: Data
        package let reminders: Bool
        package let sealedMobile: Data?
        /// Only a Taiwan number is a login name, so only it is indexed.
        package let mobileIndex: Data?
        package let changed: Set<ContactUpdate.Field>
    }

    /// The keyed hash a new mobile number is looked up under, if it is a login name.
    package static func mobileIndex(_ mobile: String, seal: PersonalDataSeal) -> Data? {
        (try? TaiwanMobileNumber(mobile)).map(seal.mobileIndex)
    }

    /// Applies `update`; the caller has checked the mobile's owner.
    package func applying(_ update: ContactUpdate, seal: PersonalDataSeal) throws(IssuerStoreError) -> ContactWrite {
        var profile = try profile(seal: seal)
        let before = profile
        let currentMobile = try holder.sealedMobile.map { sealed throws(IssuerStoreError) in
            try seal.open(sealed, field: "mobile", studentID: holder.studentID)
        }
        var changed: Set<ContactUpdate.Field> = []
        if let phone = update.phone { profile.phone = phone }
        if let permanent = update.permanentAddress { profile.permanentAddress = permanent }
        if let mailing = update.mailingAddress { profile.mailingAddress = mailing }
        if profile.phone != before.phone { changed.insert(.phone) }
        if profile.permanentAddress != before.permanentAddress { changed.insert(.permanentAddress) }
        if profile.mailingAddress != before.mailingAddress { changed.insert(.mailingAddress) }
        var sealedMobile = holder.sealedMobile, mobileIndex = holder.mobileIndex
        if let mobile = update.mobile, mobile != currentMobile {
            sealedMobile = seal.seal(mobile, field: "mobile", studentID: holder.studentID)
            mobileIndex = Self.mobileIndex(mobile, seal: seal)
            changed.insert(.mobile)
        }
        let reminders = update.reminders ?? self.reminders
        if reminders != self.reminders { changed.insert(.reminders) }
        let json = String(decoding: (try? JSONEncoder().encode(profile)) ?? Data("{}".utf8), as: UTF8.self)
        return ContactWrite(sealedProfile: seal.seal(json, field: "profile", studentID: holder.studentID), reminders: reminders,
                            sealedMobile: sealedMobile, mobileIndex: mobileIndex, changed: changed)
    }

    package static let mobileUnavailable = IssuerStoreError(.invalidChange, "mobile_unavailable: another account uses this mobile number")
}
