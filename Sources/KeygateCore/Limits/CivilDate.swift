/// A proleptic Gregorian calendar date in UTC, for quota windows and credit refills.
///
/// The conversions are Howard Hinnant's `days_from_civil` and `civil_from_days`, exact for every `Int64` day that
/// the limit code produces (it clamps time to years 1970-2255 before converting).
struct CivilDate: Equatable, Sendable {
    var year: Int64
    /// 1 (January) to 12.
    var month: Int64
    /// 1 to 31.
    var day: Int64

    init(year: Int64, month: Int64, day: Int64) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date of day `days`, counted from 1970-01-01 (day 0).
    init(daysSinceEpoch days: Int64) {
        let z = days + 719_468
        let era = z.dividedRoundingDown(by: 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153  // March = 0
        self.day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        self.month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        self.year = yearOfEra + era * 400 + (self.month <= 2 ? 1 : 0)
    }

    /// The first day of month `monthIndex`, counted from 1970-01 (month 0).
    init(monthIndex: Int64) {
        let years = monthIndex.dividedRoundingDown(by: 12)
        self.init(year: 1970 + years, month: monthIndex - years * 12 + 1, day: 1)
    }

    /// Days from 1970-01-01 to this date.
    var daysSinceEpoch: Int64 {
        let year = self.month <= 2 ? self.year - 1 : self.year
        let era = year.dividedRoundingDown(by: 400)
        let yearOfEra = year - era * 400
        let dayOfYear = (153 * (self.month > 2 ? self.month - 3 : self.month + 9) + 2) / 5 + self.day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Months from 1970-01 to this date's month.
    var monthIndex: Int64 { (self.year - 1970) * 12 + self.month - 1 }

    /// The number of days in this date's month: 28 to 31.
    var daysInMonth: Int64 {
        switch self.month {
        case 2:
            let leap = self.year % 4 == 0 && (self.year % 100 != 0 || self.year % 400 == 0)
            return leap ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
