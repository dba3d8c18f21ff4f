//! Calendar time (pure): milliseconds since the epoch shown and parsed as RFC 3339 in UTC
//! (`2026-11-22T08:30:00.000Z`), for the collector's exports and the scanner's reports.

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

pub fn iso(ms: i64) -> String {
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (y, m, d) = civil_from_days(days);
    let (h, min, s, milli) = (rem / 3_600_000, rem / 60_000 % 60, rem / 1000 % 60, rem % 1000);
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{milli:03}Z")
}

/// Reads a time bound: milliseconds since the epoch, `YYYY-MM-DD`, or
/// `YYYY-MM-DDTHH:MM:SS[.mmm]Z`.
pub fn parse(text: &str) -> Option<i64> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    let num = |s: &str| -> Option<i64> { if s.bytes().all(|b| b.is_ascii_digit()) && !s.is_empty() { s.parse().ok() } else { None } };
    let (date, clock) = match text.split_once('T') {
        Some((date, clock)) => (date, Some(clock.strip_suffix('Z')?)),
        None => (text, None),
    };
    let mut parts = date.split('-');
    let (y, m, d) = (num(parts.next()?)?, num(parts.next()?)?, num(parts.next()?)?);
    if parts.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) || date.len() != 10 {
        return None;
    }
    let mut ms = days_from_civil(y, m, d) * 86_400_000;
    if let Some(clock) = clock {
        let (hms, milli) = match clock.split_once('.') {
            Some((hms, frac)) if frac.len() == 3 => (hms, num(frac)?),
            Some(_) => return None,
            None => (clock, 0),
        };
        let mut parts = hms.split(':');
        let (h, min, s) = (num(parts.next()?)?, num(parts.next()?)?, num(parts.next()?)?);
        if parts.next().is_some() || h > 23 || min > 59 || s > 60 || hms.len() != 8 {
            return None;
        }
        ms += ((h * 60 + min) * 60 + s) * 1000 + milli;
    }
    Some(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_reads_rfc_3339() {
        assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso(1_795_000_000_123), "2026-11-18T11:06:40.123Z");
        assert_eq!(parse("2026-11-18T11:06:40.123Z"), Some(1_795_000_000_123));
        assert_eq!(parse("2024-02-29"), Some(1_709_164_800_000));
        assert_eq!(parse("1795000000123"), Some(1_795_000_000_123));
        for bad in ["", "2026-13-01", "2026-1-01", "2026-11-18T09:46:40", "yesterday", "2026-11-18T9:46:40Z"] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
