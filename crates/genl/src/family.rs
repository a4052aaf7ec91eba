//! [`Family`]: a view of a `CTRL_CMD_NEWFAMILY` reply and its multicast groups.

use nlwire::{Attrs, Error, GenlMessage};

use crate::ctrl::*;

/// What the controller says about one family. Borrows the reply buffer.
#[derive(Debug, Clone, Copy)]
pub struct Family<'a> {
    /// Family id: the `nlmsg_type` of its messages.
    pub id: u16,
    /// Family name.
    pub name: &'a str,
    /// Interface version.
    pub version: u32,
    /// Size of the family's fixed header after the genl header.
    pub hdr_size: u32,
    /// Highest attribute type (0 when the family has per-operation policies).
    pub max_attr: u32,
    groups: &'a [u8],
}

impl<'a> Family<'a> {
    /// Parses a controller reply. A missing id or name is [`Error::BadPayload`].
    pub fn parse(msg: &GenlMessage<'a>) -> Result<Self, Error> {
        if msg.message().kind() != GENL_ID_CTRL || msg.cmd() != CMD_NEWFAMILY {
            return Err(Error::WrongType);
        }
        let (mut id, mut name) = (None, None);
        let mut f = Family { id: 0, name: "", version: 0, hdr_size: 0, max_attr: 0, groups: &[] };
        for attr in msg.attrs() {
            let attr = attr?;
            match attr.kind() {
                ATTR_FAMILY_ID => id = id.or(Some(attr.u16()?)),
                ATTR_FAMILY_NAME => name = name.or(Some(attr.str()?)),
                ATTR_VERSION => f.version = attr.u32()?,
                ATTR_HDRSIZE => f.hdr_size = attr.u32()?,
                ATTR_MAXATTR => f.max_attr = attr.u32()?,
                ATTR_MCAST_GROUPS => f.groups = attr.payload(),
                _ => {}
            }
        }
        f.id = id.ok_or(Error::BadPayload)?;
        f.name = name.ok_or(Error::BadPayload)?;
        Ok(f)
    }

    /// The multicast groups, in the order the kernel lists them.
    pub fn groups(&self) -> Groups<'a> {
        Groups { attrs: Attrs::new(self.groups) }
    }

    /// The id of the multicast group called `name`.
    pub fn group(&self, name: &str) -> Result<Option<u32>, Error> {
        for g in self.groups() {
            let g = g?;
            if g.name == name {
                return Ok(Some(g.id));
            }
        }
        Ok(None)
    }
}

/// One multicast group of a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Group<'a> {
    /// Group name.
    pub name: &'a str,
    /// Group id, as used with `NETLINK_ADD_MEMBERSHIP`.
    pub id: u32,
}

/// Iterator over a family's multicast groups; stops for good after the first error.
#[derive(Debug, Clone)]
pub struct Groups<'a> {
    attrs: Attrs<'a>,
}

impl<'a> Iterator for Groups<'a> {
    type Item = Result<Group<'a>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let nest = match self.attrs.next()? {
            Ok(n) => n,
            Err(e) => return Some(Err(e)),
        };
        let (mut name, mut id) = (None, None);
        for attr in nest.nested() {
            let attr = match attr {
                Ok(a) => a,
                Err(e) => return Some(self.fail(e)),
            };
            let read = match attr.kind() {
                ATTR_MCAST_GRP_NAME => attr.str().map(|s| name = Some(s)),
                ATTR_MCAST_GRP_ID => attr.u32().map(|v| id = Some(v)),
                _ => Ok(()),
            };
            if let Err(e) = read {
                return Some(self.fail(e));
            }
        }
        match (name, id) {
            (Some(name), Some(id)) => Some(Ok(Group { name, id })),
            _ => Some(self.fail(Error::BadPayload)),
        }
    }
}

impl Groups<'_> {
    fn fail<T>(&mut self, e: Error) -> Result<T, Error> {
        self.attrs = Attrs::new(&[]);
        Err(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nlwire::{Message, MessageBuilder};

    fn reply(buf: &mut [u8]) -> &[u8] {
        let mut b = MessageBuilder::genl(buf, GENL_ID_CTRL, 0, 1, CMD_NEWFAMILY, 2).unwrap();
        b.put_str(ATTR_FAMILY_NAME, "mptcp_pm").unwrap();
        b.put_u16(ATTR_FAMILY_ID, 0x1c).unwrap();
        b.put_u32(ATTR_VERSION, 1).unwrap();
        b.put_u32(ATTR_HDRSIZE, 0).unwrap();
        b.put_u32(ATTR_MAXATTR, 0).unwrap();
        let groups = b.begin_nested(ATTR_MCAST_GROUPS).unwrap();
        for (i, (name, id)) in [("mptcp_pm_cmds", 8), ("mptcp_pm_events", 9)].iter().enumerate() {
            let g = b.begin_nested(i as u16 + 1).unwrap();
            b.put_str(ATTR_MCAST_GRP_NAME, name).unwrap();
            b.put_u32(ATTR_MCAST_GRP_ID, *id).unwrap();
            b.end_nested(g).unwrap();
        }
        b.end_nested(groups).unwrap();
        b.finish().unwrap()
    }

    #[test]
    fn parses_id_version_and_groups() {
        let mut buf = [0u8; 256];
        let bytes = reply(&mut buf);
        let genl = Message::parse(bytes).unwrap().genl().unwrap();
        let f = Family::parse(&genl).unwrap();
        assert_eq!((f.id, f.name, f.version, f.hdr_size, f.max_attr), (0x1c, "mptcp_pm", 1, 0, 0));
        assert_eq!(f.group("mptcp_pm_events"), Ok(Some(9)));
        assert_eq!(f.group("mptcp_pm_cmds"), Ok(Some(8)));
        assert_eq!(f.group("nope"), Ok(None));
        assert_eq!(f.groups().count(), 2);
    }

    #[test]
    fn missing_id_is_an_error() {
        let mut buf = [0u8; 64];
        let mut b = MessageBuilder::genl(&mut buf, GENL_ID_CTRL, 0, 1, CMD_NEWFAMILY, 2).unwrap();
        b.put_str(ATTR_FAMILY_NAME, "x").unwrap();
        let bytes = b.finish().unwrap();
        let genl = Message::parse(bytes).unwrap().genl().unwrap();
        assert_eq!(Family::parse(&genl).unwrap_err(), Error::BadPayload);
    }

    #[test]
    fn group_without_id_stops_the_walk() {
        let mut buf = [0u8; 128];
        let mut b = MessageBuilder::genl(&mut buf, GENL_ID_CTRL, 0, 1, CMD_NEWFAMILY, 2).unwrap();
        b.put_u16(ATTR_FAMILY_ID, 0x20).unwrap();
        b.put_str(ATTR_FAMILY_NAME, "x").unwrap();
        let groups = b.begin_nested(ATTR_MCAST_GROUPS).unwrap();
        for i in 1..3 {
            let g = b.begin_nested(i).unwrap();
            b.put_str(ATTR_MCAST_GRP_NAME, "g").unwrap();
            b.end_nested(g).unwrap();
        }
        b.end_nested(groups).unwrap();
        let bytes = b.finish().unwrap();
        let f = Family::parse(&Message::parse(bytes).unwrap().genl().unwrap()).unwrap();
        let mut it = f.groups();
        assert_eq!(it.next(), Some(Err(Error::BadPayload)));
        assert_eq!(it.next(), None);
    }

    #[test]
    fn wrong_command_is_refused() {
        let mut buf = [0u8; 64];
        let b = MessageBuilder::genl(&mut buf, GENL_ID_CTRL, 0, 1, CMD_GETFAMILY, 2).unwrap();
        let bytes = b.finish().unwrap();
        let genl = Message::parse(bytes).unwrap().genl().unwrap();
        assert_eq!(Family::parse(&genl).unwrap_err(), Error::WrongType);
    }
}
