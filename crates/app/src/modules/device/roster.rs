//! The ledger's own capacity challenges: a roster of the GPU titles that have passed a
//! challenge, from which every block examines a bounded number and challenges them at random
//! heights, at a mean interval of `auto_challenge_interval_blocks`. The randomness is the
//! previous block's hash, so nobody knows a title is due before that block exists. What an
//! examined title gets (a challenge, or leaving the roster) is `challenge.rs`'s to decide: it
//! hands its `examine` in, so the roster calls nothing above it.

use super::event::DeviceEvent;
use crate::modules::context::TxContext;
use crate::state::{contained, ExecError, Overlay, StateRead, StateWrite};
use computefi_types::{sha256, Event, TitleId};

/// What the roster's caller does with one examined title: `fire` says whether this block's draw
/// challenges it. It may take the title off the roster ([`remove_from_roster`]).
pub(super) type Examine = fn(&mut Overlay<'_>, &TxContext, &TitleId, bool) -> Result<Vec<Event>, ExecError>;

/// Most roster titles examined in one block.
pub const AUTO_EXAMINED_PER_BLOCK_MAX: u64 = 16;

/// Key of position `pos` of the roster (GPU titles that passed a challenge).
fn roster_key(pos: u64) -> String {
    format!("device/challenge_roster/{pos:020}")
}

/// Key of a title's position in the roster.
fn roster_pos_key(title: &TitleId) -> String {
    format!("device/challenge_roster_pos/{title}")
}

const ROSTER_LEN_KEY: &str = "device/challenge_roster_len";
const DOMAIN_AUTO: &[u8] = b"computefi/challenge/auto/v1";

/// The ledger's own challenges. Every block it examines up to [`AUTO_EXAMINED_PER_BLOCK_MAX`]
/// titles of the roster (all of them when the roster is that small, else drawn at random) and
/// challenges each examined title in service with probability T / (E · I) (T titles on the
/// roster, E examined, I = `auto_challenge_interval_blocks`), so each is challenged on average
/// once every I blocks, at heights nobody knows before the previous block exists; `examine`
/// acts on each.
pub(super) fn auto_challenges(
    state: &mut Overlay<'_>,
    ctx: &TxContext,
    examine: Examine,
) -> Result<Vec<Event>, ExecError> {
    let interval = ctx.params.auto_challenge_interval_blocks;
    let roster: u64 = state.get(ROSTER_LEN_KEY)?.unwrap_or(0);
    if interval == 0 || roster == 0 {
        return Ok(Vec::new());
    }
    let examined = roster.min(AUTO_EXAMINED_PER_BLOCK_MAX);
    let Some(odds) = examined.checked_mul(interval) else { return Ok(Vec::new()) };
    let mut events = Vec::new();
    for d in 0..examined {
        let len: u64 = state.get(ROSTER_LEN_KEY)?.unwrap_or(0);
        let pos = if roster <= AUTO_EXAMINED_PER_BLOCK_MAX {
            d
        } else {
            draw(ctx, b'p', d).checked_rem(len).unwrap_or(0)
        };
        let Some(title) = state.get::<TitleId>(&roster_key(pos))? else { continue };
        let fire = draw(ctx, b'f', d).checked_rem(odds).is_some_and(|r| r < roster);
        match contained(state, |s| examine(s, ctx, &title, fire))? {
            Ok(done) => events.extend(done),
            Err(e) => events.push(DeviceEvent::Stalled { title, error: e.name }.into()),
        }
    }
    Ok(events)
}

/// Draw `d` of kind `tag` of this block, from the previous block's hash.
fn draw(ctx: &TxContext, tag: u8, d: u64) -> u64 {
    let h = sha256(&[DOMAIN_AUTO, &ctx.prev_block.0, &[tag], &d.to_le_bytes()].concat());
    u64::from_le_bytes([h.0[0], h.0[1], h.0[2], h.0[3], h.0[4], h.0[5], h.0[6], h.0[7]])
}

/// Puts `title` on the roster (once).
pub(super) fn add_to_roster(state: &mut Overlay<'_>, title: &TitleId) -> Result<(), ExecError> {
    if state.get::<u64>(&roster_pos_key(title))?.is_some() {
        return Ok(());
    }
    let len: u64 = state.get(ROSTER_LEN_KEY)?.unwrap_or(0);
    state.put(roster_key(len), title);
    state.put(roster_pos_key(title), &len);
    state.put(ROSTER_LEN_KEY.to_string(), &len.saturating_add(1));
    Ok(())
}

/// Removes `title` from the roster: the last entry takes its place.
pub(super) fn remove_from_roster(state: &mut Overlay<'_>, title: &TitleId) -> Result<(), ExecError> {
    let Some(pos) = state.get::<u64>(&roster_pos_key(title))? else { return Ok(()) };
    let len: u64 = state.get(ROSTER_LEN_KEY)?.unwrap_or(0);
    let last =
        len.checked_sub(1).ok_or_else(|| ExecError::invariant("the challenge roster is empty".into()))?;
    if pos != last {
        let moved: TitleId = state
            .get(&roster_key(last))?
            .ok_or_else(|| ExecError::invariant(format!("challenge roster has no entry {last}")))?;
        state.put(roster_key(pos), &moved);
        state.put(roster_pos_key(&moved), &pos);
    }
    state.delete(roster_key(last));
    state.delete(roster_pos_key(title));
    state.put(ROSTER_LEN_KEY.to_string(), &last);
    Ok(())
}
