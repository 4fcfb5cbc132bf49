//! The client's address behind trusted reverse proxies (issue 11, row 2).
//!
//! Each proxy appends the address it saw to X-Forwarded-For (or a `for=` element to
//! `Forwarded:`), so only the right-most entries were written by proxies we trust; everything
//! to their left was written by the client and may be anything. With N trusted hops the client
//! is the N-th entry from the right.

use std::net::{IpAddr, SocketAddr};

/// The client's address from the request's forwarding headers with `hops` trusted proxies, or
/// `None` (use the peer's address) when `hops` is 0, the headers are absent, hold fewer than
/// `hops` entries, or the chosen entry is not an address.
///
/// `x_forwarded_for` and `forwarded` are the values of every such header, in order; several
/// headers of one name form one list, as RFC 9110 says. X-Forwarded-For wins when present.
pub fn client_from_headers(
    x_forwarded_for: &[&str],
    forwarded: &[&str],
    hops: usize,
) -> Option<IpAddr> {
    if hops == 0 {
        return None;
    }
    if !x_forwarded_for.is_empty() {
        let entries: Vec<&str> = x_forwarded_for
            .iter()
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect();
        let entry = entries.len().checked_sub(hops).map(|i| entries[i])?;
        return parse_node(entry);
    }
    if !forwarded.is_empty() {
        // Each comma-separated element is one hop; its `for=` parameter is what that hop saw.
        let elements: Vec<&str> = forwarded
            .iter()
            .flat_map(|value| value.split(','))
            .collect();
        let element = elements.len().checked_sub(hops).map(|i| elements[i])?;
        let value = element.split(';').find_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            name.trim()
                .eq_ignore_ascii_case("for")
                .then_some(value.trim())
        })?;
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        return parse_node(value);
    }
    None
}

/// An address as proxies write it: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1` or
/// `[2001:db8::1]:4711`. `unknown` and obfuscated names (`_hidden`) are no address.
fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim();
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(socket) = node.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    // `[2001:db8::1]` without a port.
    node.strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .and_then(|n| n.parse::<std::net::Ipv6Addr>().ok())
        .map(IpAddr::V6)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().expect("test address"))
    }

    #[test]
    fn the_right_most_entries_are_the_trusted_ones() {
        // The client wrote "6.6.6.6" itself; the one trusted proxy appended what it saw.
        let xff = ["6.6.6.6, 203.0.113.7"];
        assert_eq!(client_from_headers(&xff, &[], 1), ip("203.0.113.7"));
        // Two trusted hops: the first proxy's entry is the client, the second's is the first.
        let xff = ["6.6.6.6, 203.0.113.7, 10.0.0.2"];
        assert_eq!(client_from_headers(&xff, &[], 2), ip("203.0.113.7"));
        // Several headers form one list, in order.
        let xff = ["6.6.6.6", "203.0.113.7,10.0.0.2"];
        assert_eq!(client_from_headers(&xff, &[], 2), ip("203.0.113.7"));
        assert_eq!(client_from_headers(&xff, &[], 1), ip("10.0.0.2"));
    }

    #[test]
    fn zero_hops_absent_headers_and_too_few_entries_fall_back_to_the_peer() {
        assert_eq!(client_from_headers(&["203.0.113.7"], &[], 0), None);
        assert_eq!(client_from_headers(&[], &[], 1), None);
        assert_eq!(client_from_headers(&["203.0.113.7"], &[], 2), None);
        assert_eq!(client_from_headers(&[], &["for=192.0.2.60"], 2), None);
    }

    #[test]
    fn garbage_falls_back_to_the_peer() {
        for bad in [
            "",
            "unknown",
            "not an address",
            "300.1.1.1",
            "[::1",
            "1.2.3.4:x",
        ] {
            assert_eq!(client_from_headers(&[bad], &[], 1), None, "{bad:?}");
        }
        assert_eq!(client_from_headers(&["1.2.3.4, "], &[], 1), None);
        assert_eq!(client_from_headers(&[], &["for=unknown"], 1), None);
        assert_eq!(client_from_headers(&[], &["for=_hidden"], 1), None);
        assert_eq!(client_from_headers(&[], &["proto=https"], 1), None);
        assert_eq!(client_from_headers(&[], &["for"], 1), None);
    }

    #[test]
    fn ports_and_ipv6() {
        assert_eq!(
            client_from_headers(&["203.0.113.7:4711"], &[], 1),
            ip("203.0.113.7")
        );
        assert_eq!(
            client_from_headers(&["::1, 2001:db8::7"], &[], 1),
            ip("2001:db8::7")
        );
        assert_eq!(
            client_from_headers(&["[2001:db8::7]:4711"], &[], 1),
            ip("2001:db8::7")
        );
        assert_eq!(
            client_from_headers(&["[2001:db8::7]"], &[], 1),
            ip("2001:db8::7")
        );
    }

    #[test]
    fn the_forwarded_header_when_there_is_no_x_forwarded_for() {
        // RFC 7239's examples: quoted, IPv6 in brackets with a port, other parameters around.
        let forwarded = [r#"for=6.6.6.6, For="[2001:db8:cafe::17]:4711";proto=https"#];
        assert_eq!(
            client_from_headers(&[], &forwarded, 1),
            ip("2001:db8:cafe::17")
        );
        assert_eq!(client_from_headers(&[], &forwarded, 2), ip("6.6.6.6"));
        let forwarded = [
            "for=192.0.2.43;by=203.0.113.60;proto=http",
            "for=198.51.100.17",
        ];
        assert_eq!(client_from_headers(&[], &forwarded, 1), ip("198.51.100.17"));
        assert_eq!(client_from_headers(&[], &forwarded, 2), ip("192.0.2.43"));
        assert_eq!(
            client_from_headers(&[], &[r#"by=10.0.0.1; for="192.0.2.43:80""#], 1),
            ip("192.0.2.43")
        );
        // X-Forwarded-For wins when both are present.
        assert_eq!(
            client_from_headers(&["203.0.113.7"], &["for=198.51.100.17"], 1),
            ip("203.0.113.7")
        );
    }
}
