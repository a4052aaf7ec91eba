//! Properties of nlwire: builder/parser round trip over random attribute trees, and no
//! panic or endless walk on arbitrary bytes.

use nlwire::consts::{NLM_F_ACK_TLVS, NLM_F_CAPPED, NLMSG_DONE, NLMSG_ERROR};
use nlwire::control::{Control, Done, ErrorMsg, ExtAck};
use nlwire::{Attrs, Error, Message, MessageBuilder, Messages, NlMsgHdr, align};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: if cfg!(miri) { 8 } else { 256 },
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Largest arbitrary input: small under miri, where every byte costs.
const MAX_BYTES: usize = if cfg!(miri) { 96 } else { 1024 };

/// One attribute of a random tree, with its type (flag bits clear).
#[derive(Debug, Clone)]
enum Node {
    U8(u16, u8),
    U16(u16, u16),
    U32(u16, u32),
    U64(u16, u64),
    Str(u16, String),
    Bytes(u16, Vec<u8>),
    Nest(u16, Vec<Node>),
}

impl Node {
    /// Bytes this attribute takes on the wire, padding included.
    fn wire_len(&self) -> usize {
        match self {
            Node::U8(..) => 8,
            Node::U16(..) => 8,
            Node::U32(..) => 8,
            Node::U64(..) => 12,
            Node::Str(_, s) => align(4 + s.len() + 1),
            Node::Bytes(_, b) => align(4 + b.len()),
            Node::Nest(_, kids) => 4 + kids.iter().map(Node::wire_len).sum::<usize>(),
        }
    }

    fn build(&self, b: &mut MessageBuilder<'_>) -> Result<(), Error> {
        match self {
            Node::U8(k, v) => b.put_u8(*k, *v),
            Node::U16(k, v) => b.put_u16(*k, *v),
            Node::U32(k, v) => b.put_u32(*k, *v),
            Node::U64(k, v) => b.put_u64(*k, *v),
            Node::Str(k, s) => b.put_str(*k, s),
            Node::Bytes(k, v) => b.put(*k, v),
            Node::Nest(k, kids) => {
                let n = b.begin_nested(*k)?;
                for kid in kids {
                    kid.build(b)?;
                }
                b.end_nested(n)
            }
        }
    }
}

fn kind() -> impl Strategy<Value = u16> {
    0u16..0x4000
}

/// A string without NUL of up to `max` chars (cheaper under miri than a regex).
fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..=max)
        .prop_map(|v| v.into_iter().filter(|&c| c != '\0').collect())
}

fn tree() -> impl Strategy<Value = Node> {
    let leaf = prop_oneof![
        (kind(), any::<u8>()).prop_map(|(k, v)| Node::U8(k, v)),
        (kind(), any::<u16>()).prop_map(|(k, v)| Node::U16(k, v)),
        (kind(), any::<u32>()).prop_map(|(k, v)| Node::U32(k, v)),
        (kind(), any::<u64>()).prop_map(|(k, v)| Node::U64(k, v)),
        (kind(), text(12)).prop_map(|(k, s)| Node::Str(k, s)),
        (kind(), proptest::collection::vec(any::<u8>(), 0..24))
            .prop_map(|(k, v)| Node::Bytes(k, v)),
    ];
    let (depth, size, branch) = if cfg!(miri) { (3, 12, 4) } else { (5, 48, 6) };
    leaf.prop_recursive(depth, size, branch, |inner| {
        (kind(), proptest::collection::vec(inner, 0..6)).prop_map(|(k, v)| Node::Nest(k, v))
    })
}

fn forest() -> impl Strategy<Value = Vec<Node>> {
    proptest::collection::vec(tree(), 0..6)
}

/// Checks that `attrs` holds exactly `want`, recursing into nests.
fn check(attrs: Attrs<'_>, want: &[Node]) -> Result<(), TestCaseError> {
    let mut it = attrs;
    for node in want {
        let a = it.next().expect("attribute missing").expect("attribute error");
        match node {
            Node::U8(k, v) => {
                prop_assert_eq!(a.kind(), *k);
                prop_assert_eq!(a.u8(), Ok(*v));
            }
            Node::U16(k, v) => {
                prop_assert_eq!(a.kind(), *k);
                prop_assert_eq!(a.u16(), Ok(*v));
            }
            Node::U32(k, v) => {
                prop_assert_eq!(a.kind(), *k);
                prop_assert_eq!(a.u32(), Ok(*v));
            }
            Node::U64(k, v) => {
                prop_assert_eq!(a.kind(), *k);
                prop_assert_eq!(a.u64(), Ok(*v));
            }
            Node::Str(k, s) => {
                prop_assert_eq!(a.kind(), *k);
                prop_assert_eq!(a.str(), Ok(s.as_str()));
            }
            Node::Bytes(k, v) => {
                prop_assert_eq!(a.kind(), *k);
                prop_assert!(!a.is_nested());
                prop_assert_eq!(a.payload(), v.as_slice());
            }
            Node::Nest(k, kids) => {
                prop_assert_eq!(a.kind(), *k);
                prop_assert!(a.is_nested());
                check(a.nested(), kids)?;
            }
        }
    }
    prop_assert!(it.next().is_none(), "extra attribute");
    Ok(())
}

/// Walks `buf` as attributes, recursing into every payload up to `depth` levels, calling
/// every typed reader. Returns the number of steps taken and checks each walk's bound.
fn walk(buf: &[u8], depth: u32) -> Result<usize, TestCaseError> {
    let bound = buf.len() / 4 + 1;
    let mut steps = 0;
    for a in Attrs::new(buf).take(bound + 1) {
        steps += 1;
        prop_assert!(steps <= bound, "attribute walk over {} bytes took {steps} steps", buf.len());
        let Ok(a) = a else { continue };
        prop_assert!(a.payload().len() + 4 <= buf.len());
        let _ = (a.kind(), a.raw_kind(), a.is_nested(), a.is_net_byteorder());
        let _ = (a.u8(), a.u16(), a.u32(), a.u64(), a.i32(), a.u16_be(), a.u32_be());
        let _ = (a.ipv4(), a.ipv6(), a.c_bytes(), a.str());
        if depth > 0 {
            walk(a.payload(), depth - 1)?;
        }
        let _ = Attrs::new(a.payload()).find(1);
    }
    Ok(steps)
}

/// Everything the crate offers for one message; none of it may panic.
fn poke(m: Message<'_>) -> Result<(), TestCaseError> {
    let _ = (m.kind(), m.flags(), m.seq(), m.pid(), m.header());
    walk(m.payload(), 8)?;
    if let Ok(g) = m.genl() {
        let _ = (g.cmd(), g.version(), g.message().kind());
        prop_assert_eq!(g.attr_bytes().len() + 4, m.payload().len());
        walk(g.attr_bytes(), 8)?;
    }
    if let Ok(e) = ErrorMsg::parse(&m) {
        prop_assert_eq!(m.kind(), NLMSG_ERROR);
        prop_assert!(e.request_payload.len() + NlMsgHdr::LEN + 4 <= m.payload().len());
        let _ = (e.is_ack(), e.errno(), e.ext_ack.is_empty());
    }
    if Done::parse(&m).is_ok() {
        prop_assert_eq!(m.kind(), NLMSG_DONE);
    }
    match Control::classify(m) {
        Ok(Control::Ack(e)) => prop_assert!(e.is_ack()),
        Ok(Control::Error(e)) => prop_assert!(!e.is_ack()),
        Ok(Control::Done(_) | Control::Other(_) | Control::Data(_)) | Err(_) => {}
    }
    Ok(())
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..MAX_BYTES)
}

/// A message header with a correct length in front of arbitrary payload, so the
/// parsers behind the header (error, done, ext-ack, attributes) see more than noise.
fn framed() -> impl Strategy<Value = Vec<u8>> {
    let kind = prop_oneof![Just(NLMSG_ERROR), Just(NLMSG_DONE), 0u16..0x20, any::<u16>()];
    let flags = prop_oneof![
        Just(0),
        Just(NLM_F_ACK_TLVS),
        Just(NLM_F_CAPPED | NLM_F_ACK_TLVS),
        any::<u16>()
    ];
    (kind, flags, bytes()).prop_map(|(kind, flags, payload)| {
        let mut v = Vec::with_capacity(16 + payload.len());
        v.extend_from_slice(&((16 + payload.len()) as u32).to_ne_bytes());
        v.extend_from_slice(&kind.to_ne_bytes());
        v.extend_from_slice(&flags.to_ne_bytes());
        v.extend_from_slice(&[0; 8]);
        v.extend_from_slice(&payload);
        v
    })
}

/// An `NLMSG_ERROR` whose echoed header length is random, followed by random TLVs.
fn error_like() -> impl Strategy<Value = Vec<u8>> {
    let flags = prop_oneof![Just(0), Just(NLM_F_ACK_TLVS), Just(NLM_F_CAPPED | NLM_F_ACK_TLVS)];
    (flags, any::<i32>(), 0u32..96, bytes()).prop_map(|(flags, code, echo_len, tail)| {
        let total = 16 + 4 + 16 + tail.len();
        let mut v = Vec::with_capacity(total);
        v.extend_from_slice(&(total as u32).to_ne_bytes());
        v.extend_from_slice(&NLMSG_ERROR.to_ne_bytes());
        v.extend_from_slice(&flags.to_ne_bytes());
        v.extend_from_slice(&[0; 8]);
        v.extend_from_slice(&code.to_ne_bytes());
        v.extend_from_slice(&echo_len.to_ne_bytes());
        v.extend_from_slice(&[0; 12]);
        v.extend_from_slice(&tail);
        v
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn attribute_trees_round_trip(
        family in 0x10u16..,
        flags in any::<u16>(),
        seq in any::<u32>(),
        cmd in any::<u8>(),
        version in any::<u8>(),
        nodes in forest(),
    ) {
        let attr_len: usize = nodes.iter().map(Node::wire_len).sum();
        prop_assume!(attr_len <= 0xffff - 20);
        let mut buf = vec![0xa5u8; 20 + attr_len];
        let mut b = MessageBuilder::genl(&mut buf, family, flags, seq, cmd, version).unwrap();
        for n in &nodes {
            n.build(&mut b).unwrap();
        }
        let bytes = b.finish().unwrap();
        prop_assert_eq!(bytes.len(), 20 + attr_len);

        let mut msgs = Messages::new(bytes);
        let m = msgs.next().unwrap().unwrap();
        prop_assert!(msgs.next().is_none());
        prop_assert_eq!((m.kind(), m.flags(), m.seq(), m.pid()), (family, flags, seq, 0));
        let g = m.genl().unwrap();
        prop_assert_eq!((g.cmd(), g.version()), (cmd, version));
        check(g.attrs(), &nodes)?;
    }

    #[test]
    fn too_small_a_buffer_never_finishes(nodes in forest(), cut in any::<prop::sample::Index>()) {
        let attr_len: usize = nodes.iter().map(Node::wire_len).sum();
        prop_assume!(attr_len > 0 && attr_len <= 0xffff - 20);
        let room = cut.index(20 + attr_len);
        let mut buf = vec![0u8; room];
        let Ok(mut b) = MessageBuilder::genl(&mut buf, 0x20, 0, 0, 1, 1) else {
            prop_assert!(room < 20);
            return Ok(());
        };
        let mut failed = false;
        for n in &nodes {
            failed |= n.build(&mut b).is_err();
        }
        prop_assert!(failed);
        prop_assert_eq!(b.finish().unwrap_err(), Error::NoRoom);
    }

    #[test]
    fn arbitrary_datagrams_never_panic(buf in prop_oneof![bytes(), framed(), error_like()]) {
        let bound = buf.len() / 4 + 1;
        let mut steps = 0;
        for m in Messages::new(&buf).take(bound + 1) {
            steps += 1;
            prop_assert!(steps <= bound, "message walk over {} bytes took {steps} steps", buf.len());
            if let Ok(m) = m {
                poke(m)?;
            }
        }
        if let Ok(m) = Message::parse(&buf) {
            poke(m)?;
        }
    }

    #[test]
    fn arbitrary_attributes_never_panic(buf in bytes()) {
        walk(&buf, u32::MAX)?;
        let _ = ExtAck::parse(&buf);
    }

    #[test]
    fn ext_ack_fields_round_trip(
        msg in text(40),
        offset in any::<u32>(),
        cookie in proptest::collection::vec(any::<u8>(), 0..20),
        miss_type in any::<u32>(),
        miss_nest in any::<u32>(),
    ) {
        let mut buf = [0u8; 256];
        let mut b = MessageBuilder::new(&mut buf, NLMSG_DONE, 0, 0).unwrap();
        b.put_str(1, &msg).unwrap();
        b.put_u32(2, offset).unwrap();
        b.put(3, &cookie).unwrap();
        b.put_u32(5, miss_type).unwrap();
        b.put_u32(6, miss_nest).unwrap();
        b.put_u32(99, 7).unwrap();
        let bytes = b.finish().unwrap();
        let ack = ExtAck::parse(&bytes[16..]).unwrap();
        prop_assert_eq!(ack.msg, Some(msg.as_str()));
        prop_assert_eq!(ack.offset, Some(offset));
        prop_assert_eq!(ack.cookie, Some(cookie.as_slice()));
        prop_assert_eq!(ack.policy, None);
        prop_assert_eq!((ack.miss_type, ack.miss_nest), (Some(miss_type), Some(miss_nest)));
    }
}
