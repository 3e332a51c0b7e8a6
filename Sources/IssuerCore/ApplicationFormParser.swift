import AccountRules
import Foundation
import IssuerStore

/// Turns the text fields of an account application (alumni-api.md §3)
/// into a validated ``AccountApplicationForm``: one rule per field, the
/// first problem answered 422 with its `field`. Never echoes a national ID.
package struct ApplicationFormParser: Sendable {
    /// Today in the issuer's time zone (for birth dates and graduation years).
    package let today: CalendarDay

    package init(today: CalendarDay) { self.today = today }

    package static let textFields: Set<String> = [
        "chinese_name", "english_name", "sex", "national_id", "birth_date", "records", "permanent_address", "mailing_address",
        "phone", "mobile", "email", "consent_version", "altcha",
    ]

    package func parse(_ fields: [String: String]) throws -> (form: AccountApplicationForm, nationalID: IdentityNumber) {
        let chineseName = try name(fields, "chinese_name", maximum: 32, required: true)!
        let englishName = try name(fields, "english_name", maximum: 64, required: false)
        let sex = try required(fields, "sex")
        guard sex == "male" || sex == "female" else { throw invalid("sex", "sex is male or female") }
        let nationalID: IdentityNumber
        do { nationalID = try IdentityNumber(try required(fields, "national_id")) } catch let error as AccountRulesError {
            throw IssuerError.invalid("national_id_invalid", field: "national_id", error.message)
        }
        let birthText = try required(fields, "birth_date")
        guard let birth = try? CalendarDay(parsing: birthText), birth < today else {
            throw invalid("birth_date", "birth_date is a date in the past, YYYY-MM-DD")
        }
        let records = try records(try required(fields, "records"))
        if records.contains(where: { $0.graduationYear == today.year }) {
            throw IssuerError.invalid("current_graduate", field: "records",
                                   "this year's graduates do not apply: your account opens by itself two days after you receive your diploma, and the alumni centre mails you then")
        }
        let permanent = try address(try required(fields, "permanent_address"), field: "permanent_address", allowSame: false)!
        let mailing = try address(try required(fields, "mailing_address"), field: "mailing_address", allowSame: true)
        let phone = try phone(fields["phone"])
        let mobile = try mobile(try required(fields, "mobile"))
        let email: String
        do { email = try EmailAddress(try required(fields, "email")).text } catch let error as AccountRulesError {
            throw invalid("email", error.message)
        }
        let form = AccountApplicationForm(chineseName: chineseName, englishName: englishName, sex: sex, nationalID: nationalID.value,
                                          birthDate: birth.description, records: records, permanentAddress: permanent, mailingAddress: mailing,
                                          phone: phone, mobile: mobile, email: email)
        return (form, nationalID)
    }

    /// A phone number, optional: nil when absent or blank.
    package func phone(_ value: String?) throws -> String? {
        guard let text = value?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        guard text.count <= 32, text.allSatisfy({ $0.isASCII && ($0.isNumber || " +-()#".contains($0)) }) else {
            throw invalid("phone", "phone is at most 32 digits, spaces and + - ( ) #")
        }
        return text
    }

    /// A mobile number, normalised: ten digits for Taiwan, `+` and digits otherwise.
    package func mobile(_ text: String) throws -> String {
        if let taiwan = try? TaiwanMobileNumber(text) { return taiwan.digits }
        let compact = text.trimmingCharacters(in: .whitespaces).filter { $0 != " " && $0 != "-" }
        guard compact.hasPrefix("+"), (9...16).contains(compact.count), compact.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw invalid("mobile", "mobile is a Taiwan mobile number (0912-345-678) or an international one starting with + and the country code")
        }
        return compact
    }

    package func required(_ fields: [String: String], _ name: String) throws -> String {
        guard let value = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
            throw IssuerError.invalid("missing_field", field: name, "\(name) is required")
        }
        return value
    }

    /// 422 `invalid_field`; inside the JSON members `records` and the addresses, `record` (from 1) and
    /// `member` say which part was wrong, so the page can show the message beside the input the person typed in.
    package func invalid(_ field: String, _ message: String, record: Int? = nil, member: String? = nil) -> IssuerError {
        var error = IssuerError.invalid("invalid_field", field: field, message)
        if let record { error.extra["record"] = String(record) }
        if let member { error.extra["member"] = member }
        return error
    }

    package func name(_ fields: [String: String], _ field: String, maximum: Int, required isRequired: Bool) throws -> String? {
        guard let value = fields[field]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
            if isRequired { throw IssuerError.invalid("missing_field", field: field, "\(field) is required") }
            return nil
        }
        guard (1...maximum).contains(value.count), PersonName.isAcceptable(value) else {
            throw invalid(field, "\(field) is 1–\(maximum) characters on one line, without control or invisible formatting characters")
        }
        return value
    }

    private struct RawRecord: Decodable {
        package let degree: String?
        package let department: String?
        package let admission_year: Int?
        package let graduation_year: Int?
        package let student_id: String?
    }

    package func records(_ text: String) throws -> [EducationRecord] {
        let data = Data(text.utf8)
        guard let array = try? JSONSerialization.jsonObject(with: data) as? [Any], (1...8).contains(array.count) else {
            throw invalid("records", "records is a JSON array of 1–8 study records")
        }
        let allowed: Set<String> = ["degree", "department", "admission_year", "graduation_year", "student_id"]
        for (index, item) in array.enumerated() {
            guard let object = item as? [String: Any], Set(object.keys).isSubset(of: allowed) else {
                throw invalid("records", "record \(index + 1) is an object with degree, department, admission_year, graduation_year and student_id")
            }
        }
        // Typed decoding refuses a year written as text, a fraction or a boolean.
        guard let raw = try? JSONDecoder().decode([RawRecord].self, from: data) else {
            throw invalid("records", "in records, years are whole numbers and the other members text")
        }
        return try raw.enumerated().map { index, record in
            guard let degree = record.degree, ["bachelor", "master", "doctoral", "other"].contains(degree) else {
                throw invalid("records", "record \(index + 1): degree is bachelor, master, doctoral or other", record: index + 1, member: "degree")
            }
            guard let department = record.department?.trimmingCharacters(in: .whitespaces), (1...64).contains(department.count),
                  !department.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw invalid("records", "record \(index + 1): department is 1–64 characters", record: index + 1, member: "department")
            }
            guard let admission = record.admission_year, (1928...today.year).contains(admission) else {
                throw invalid("records", "record \(index + 1): admission_year is a year from 1928 to \(today.year)", record: index + 1,
                              member: "admission_year")
            }
            guard let graduation = record.graduation_year, (admission...(today.year + 10)).contains(graduation) else {
                throw invalid("records", "record \(index + 1): graduation_year is a year from the admission year on", record: index + 1,
                              member: "graduation_year")
            }
            var studentID: String?
            if let text = record.student_id?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
                guard text.utf8.count <= 32, text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                    throw invalid("records", "record \(index + 1): student_id is 1–32 letters and digits", record: index + 1, member: "student_id")
                }
                studentID = text.uppercased()
            }
            return EducationRecord(degree: degree, department: department, admissionYear: admission, graduationYear: graduation, studentID: studentID)
        }
    }

    package func address(_ text: String, field: String, allowSame: Bool) throws -> PostalAddress? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw invalid(field, "\(field) is a JSON object")
        }
        if allowSame, object.count == 1, object["same_as"] as? String == "permanent" { return nil }
        let allowed: Set<String> = ["region", "postal_code", "county", "district", "line", "country"]
        guard Set(object.keys).isSubset(of: allowed) else {
            throw invalid(field, "\(field) has region, postal_code, county, district, line and country\(allowSame ? ", or is {\"same_as\": \"permanent\"}" : "")")
        }
        func value(_ key: String, maximum: Int, required: Bool) throws -> String {
            let text = (object[key] as? String)?.trimmingCharacters(in: .whitespaces) ?? ""
            if text.isEmpty && required { throw invalid(field, "\(field).\(key) is required", member: key) }
            guard text.count <= maximum, !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw invalid(field, "\(field).\(key) is at most \(maximum) characters on one line", member: key)
            }
            if object[key] != nil && !(object[key] is String) { throw invalid(field, "\(field).\(key) is text", member: key) }
            return text
        }
        let region = try value("region", maximum: 16, required: true)
        guard region == "domestic" || region == "overseas" else { throw invalid(field, "\(field).region is domestic or overseas", member: "region") }
        let domestic = region == "domestic"
        let postal = try value("postal_code", maximum: 16, required: domestic)
        if domestic && !(postal.count >= 3 && postal.count <= 6 && postal.allSatisfy { $0.isASCII && $0.isNumber }) {
            throw invalid(field, "\(field).postal_code is 3 to 6 digits in Taiwan", member: "postal_code")
        }
        return PostalAddress(region: region, postalCode: postal, county: try value("county", maximum: 32, required: domestic),
                             district: try value("district", maximum: 32, required: domestic), line: try value("line", maximum: 200, required: true),
                             country: try value("country", maximum: 64, required: !domestic).isEmpty && domestic ? "TW" : try value("country", maximum: 64, required: !domestic))
    }
}
