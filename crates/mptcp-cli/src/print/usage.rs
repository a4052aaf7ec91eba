//! Usage and version texts.

/// `ip mptcp help` of iproute2 7.1 (stderr, exit 255).
pub const IP_MPTCP: &str = "Usage:\tip mptcp endpoint add ADDRESS [ dev NAME ] [ id ID ]\n\
\t\t\t\t      [ port NR ] [ FLAG-LIST ]\n\
\tip mptcp endpoint delete id ID [ ADDRESS ]\n\
\tip mptcp endpoint change [ id ID ] [ ADDRESS ] [ port NR ] CHANGE-OPT\n\
\tip mptcp endpoint show [ id ID ]\n\
\tip mptcp endpoint flush\n\
\tip mptcp limits set [ subflows NR ] [ add_addr_accepted NR ]\n\
\tip mptcp limits show\n\
\tip mptcp monitor\n\
FLAG-LIST := [ FLAG-LIST ] FLAG\n\
FLAG  := [ signal | subflow | laminar | backup | fullmesh ]\n\
CHANGE-OPT := [ backup | nobackup | fullmesh | nofullmesh ]\n";

/// `mptcp help`, `mptcp -h`, `mptcp --help` (stdout, exit 0; a missing command prints
/// it on stderr with status 255).
pub const PLAIN: &str = "Usage:\tmptcp [ OPTIONS ] { endpoint | limits | monitor | subflow | connection | stat | help }\n\
\tmptcp endpoint add ADDRESS [ dev NAME ] [ id ID ] [ port NR ] [ FLAG-LIST ]\n\
\tmptcp endpoint delete id ID [ ADDRESS ]\n\
\tmptcp endpoint change [ id ID ] [ ADDRESS ] [ port NR ] CHANGE-OPT\n\
\tmptcp endpoint show [ id ID ]\n\
\tmptcp endpoint flush\n\
\tmptcp limits set [ subflows NR ] [ add_addr_accepted NR ]\n\
\tmptcp limits show\n\
\tmptcp monitor\n\
\tmptcp connection show [ token TOKEN ] [ ADDRESS ]\n\
\tmptcp stat [ -a ] [ watch [ SECONDS ] ]\n\
\tmptcp endpoint announce ADDRESS id ID token TOKEN [ port NR ] [ dev NAME ]\n\
\tmptcp endpoint remove id ID token TOKEN\n\
\tmptcp endpoint show token TOKEN\n\
\tmptcp subflow add token TOKEN ADDRESS [ id ID ] [ port NR ] [ dev NAME ]\n\
\t\t\traddr RADDR rport NR [ backup ]\n\
\tmptcp subflow delete token TOKEN ADDRESS port NR raddr RADDR rport NR\n\
\tmptcp subflow change token TOKEN ADDRESS port NR raddr RADDR rport NR\n\
\t\t\t{ backup | nobackup }\n\
\tmptcp endpoint follow [ once | dry-run ] [ cleanup ] [ config FILE ] [ check SECONDS ]\n\
\t\t\t[ state FILE ] [ RULE ]...\n\
RULE := dev PATTERN { FLAG-LIST | ignore } [ port PORT ] [ allow CLASS ]...\n\
CLASS := { loopback | linklocal | ula | temporary | deprecated | nocarrier | noroute }\n\
FLAG-LIST := [ FLAG-LIST ] FLAG\n\
FLAG  := [ signal | subflow | laminar | backup | fullmesh ]\n\
CHANGE-OPT := [ backup | nobackup | fullmesh | nofullmesh ]\n\
OPTIONS := { -j[son] | -p[retty] | -n[etns] NAME | -b[atch] FILE | -force |\n\
\t     -t[imestamp] | -ts[hort] | -o[neline] | -r[esolve] | -c[olor][=WHEN] |\n\
\t     -rc[vbuf] SIZE | -V[ersion] | --version | -h[elp] | --help }\n\
TOKEN is hexadecimal, as monitor and connection show print it; the announce, remove,\n\
subflow and token commands drive the userspace path manager (net.mptcp.pm_type=1).\n\
endpoint follow keeps the endpoints in step with the interfaces' addresses.\n\
Called through a link named `ip`, it is `ip mptcp` of iproute2 7.1.\n";

/// `ip -help` (stderr, exit 255) of iproute2 >= 6.9: 6.1's text (what
/// `/usr/sbin/ip` prints here) after the 2024 iproute2 patches that dropped `amt`
/// (a link type, not an object) and listed `stats` and `-echo`; 6.11 prints this.
pub const IP: &str = "Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }
       ip [ -force ] -batch filename
where  OBJECT := { address | addrlabel | fou | help | ila | ioam | l2tp | link |
                   macsec | maddress | monitor | mptcp | mroute | mrule |
                   neighbor | neighbour | netconf | netns | nexthop | ntable |
                   ntbl | route | rule | sr | stats | tap | tcpmetrics |
                   token | tunnel | tuntap | vrf | xfrm }
       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |
                    -h[uman-readable] | -iec | -j[son] | -p[retty] |
                    -f[amily] { inet | inet6 | mpls | bridge | link } |
                    -4 | -6 | -M | -B | -0 |
                    -l[oops] { maximum-addr-flush-attempts } | -echo | -br[ief] |
                    -o[neline] | -t[imestamp] | -ts[hort] | -b[atch] [filename] |
                    -rc[vbuf] [size] | -n[etns] name | -N[umeric] | -a[ll] |
                    -c[olor]}
";

/// `ip -V` of iproute2 7.1 built with libmnl and without libbpf.
pub const IP_VERSION: &str = "ip utility, iproute2-7.1.0\n";

/// `mptcp -V`.
pub const PLAIN_VERSION: &str =
    concat!("mptcp ", env!("CARGO_PKG_VERSION"), " (ip mptcp of iproute2-7.1.0)\n");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_mptcp_lists_laminar() {
        assert!(IP_MPTCP.starts_with("Usage:\tip mptcp endpoint add ADDRESS"));
        assert!(
            IP_MPTCP.contains("\nFLAG  := [ signal | subflow | laminar | backup | fullmesh ]\n")
        );
        assert_eq!(IP_MPTCP.lines().count(), 12);
    }

    #[test]
    fn ip_usage_objects() {
        assert!(IP.contains("| sr | stats | tap |"));
        assert!(!IP.contains("amt"));
        assert!(IP.ends_with("-c[olor]}\n"));
    }
}
