//! Error codes a user sees. Codes are stable: a client may match on them, so a code is never
//! reused or renumbered. Ranges: 1–999 transaction envelope (20–39 of them: refusals of the HTTP
//! API itself and the CLI's own failures), 1000s `bank`, 2000s `assets`, 3000s `identity` and
//! 3100s `compliance`, 4000s `registry`, 5000s `shares`, 6000s `revenue`, 7000s `device`, 7100s `oracle`,
//! 8000s `amm`, 8100s `capacity`, 8200s `lease`, 8300s `delivery`, 9000s `valuation`, 9100s `loans`, 9200s `auctions`, 9300s `reserve`, 9400s `vault`, 9500s `green`, 9600s `carbon`, 9700s `passes`, 9800s `gov`.
//! The message of each code says the cause and what to do; [`TxError::detail`] adds the values
//! involved. A message that states a limit of this crate quotes its constant (from [`crate::limits`])
//! rather than repeating the number.
//!
//! # Invariants
//! - Every code is one row of the table in [`ErrorCode`]'s declaration (`Variant = code => "name"`
//!   under its message), and [`ErrorCode::ALL`], [`ErrorCode::name`] and [`ErrorCode::from_code`]
//!   are generated from that table, so none of them can miss a code.
//! - `tests/encoding/error_codes.rs` pins every (code, name) pair: renumbering, renaming or
//!   removing a code fails it.

use serde::{Deserialize, Serialize};

/// Declares the error-code enum from one table, each row `Variant = code => "name"` under its
/// message, and derives from that table everything that lists the codes ([`ErrorCode::ALL`],
/// [`ErrorCode::name`], [`ErrorCode::from_code`]), so no list can miss a code.
macro_rules! error_codes {
    (
        $(#[$enum_attr:meta])*
        $vis:vis enum $enum:ident {
            $(
                $(#[$attr:meta])*
                $variant:ident = $code:literal => $name:literal,
            )*
        }
    ) => {
        $(#[$enum_attr])*
        $vis enum $enum {
            $(
                $(#[$attr])*
                $variant = $code,
            )*
        }

        impl $enum {
            /// Every code, in the order declared.
            pub const ALL: &'static [$enum] = &[$($enum::$variant),*];

            /// A short snake_case name for logs and JSON.
            pub fn name(self) -> &'static str {
                match self {
                    $($enum::$variant => $name,)*
                }
            }

            /// The code with this number, if there is one (a client reading a refusal's `code`).
            pub fn from_code(code: u32) -> Option<$enum> {
                match code {
                    $($code => Some($enum::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

error_codes! {
    /// Stable error codes, ordered by the precedence in which checks run.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, thiserror::Error)]
    #[repr(u32)]
    pub enum ErrorCode {
        /// Bytes are not a transaction.
        #[error("malformed transaction: the bytes do not decode as a signed transaction; build it with `computefi tx …` or the documented borsh layout")]
        MalformedTx = 1 => "malformed_tx",
        /// Over the size limit.
        #[error("transaction too large: it exceeds the size limit; split it into several transactions")]
        TxTooLarge = 2 => "tx_too_large",
        /// A field is out of its bounds (too many messages, memo too long, chain id too long).
        #[error("transaction field out of bounds: a list or string is longer than its limit; send fewer messages or a shorter memo")]
        TxFieldTooLarge = 3 => "tx_field_too_large",
        /// No messages.
        #[error("empty transaction: it holds no messages; add at least one message")]
        EmptyTx = 4 => "empty_tx",
        /// The chain id does not match.
        #[error("wrong chain id: the transaction was signed for another chain; sign it again with this chain's id (see `computefi status`)")]
        WrongChainId = 5 => "wrong_chain_id",
        /// The signature does not verify.
        #[error("invalid signature: the signature does not verify for the signer's public key over these bytes; sign the transaction again with the signer's key and do not modify it after signing")]
        InvalidSignature = 6 => "invalid_signature",
        /// The nonce was already used.
        #[error("nonce already used: this account has already executed a transaction with this nonce; query the account's next nonce and sign again")]
        NonceReused = 7 => "nonce_reused",
        /// The nonce is ahead of the account's next nonce.
        #[error("nonce from the future: earlier nonces of this account have not been executed yet; send the missing transactions first or use the account's next nonce")]
        NonceFuture = 8 => "nonce_future",
        /// The fee is below the chain's minimum.
        #[error("fee too low: the fee is below the chain's minimum fee; raise the fee (see `computefi status`)")]
        FeeTooLow = 9 => "fee_too_low",
        /// The signer cannot pay the fee.
        #[error("insufficient funds for fee: the signer's native balance is below the fee; fund the account with CFI first")]
        InsufficientFee = 10 => "insufficient_fee",
        /// The node's mempool is full or already holds this transaction.
        #[error(
            "mempool full: the node holds as many pending transactions as it may; retry after the next block"
        )]
        MempoolFull = 11 => "mempool_full",
        /// Already pending or committed.
        #[error(
            "duplicate transaction: this exact transaction is already pending or committed; query it by hash"
        )]
        DuplicateTx = 12 => "duplicate_tx",
        /// The node could not check the transaction (its storage failed); not the sender's fault.
        #[error("node unavailable: the node could not read its state to check the transaction; retry later or use another node")]
        NodeUnavailable = 13 => "node_unavailable",
        /// The account has as many pending transactions as the node holds for one account.
        #[error("too many pending transactions from this account: the node holds at most `account_txs_max` per account ([mempool] in its config.toml); wait until some of them commit, then send the rest")]
        AccountTxsFull = 14 => "account_txs_full",
        /// The balance left after the account's pending transactions does not cover their fees.
        #[error("balance does not cover pending fees: after the account's earlier pending transactions, its CFI balance is below the fees of its pending transactions plus this one; fund the account or wait until pending ones commit")]
        PendingFeesUncovered = 15 => "pending_fees_uncovered",
        /// The mempool is full and nothing in it pays less per byte.
        #[error("fee too low for a full mempool: the mempool is full and every transaction it could evict pays at least as much per byte; raise the fee or retry after the next block")]
        MempoolFeeTooLow = 16 => "mempool_fee_too_low",
        /// Evicted from the mempool by better-paying transactions.
        #[error("evicted from the mempool: while it was full, transactions paying more per byte took this one's place; query the account's next nonce and send it again with a higher fee")]
        TxEvicted = 17 => "tx_evicted",
        /// Waited in the mempool longer than the node keeps a pending transaction.
        #[error("expired in the mempool: it waited longer than the node keeps a pending transaction (`tx_ttl_ms`), usually because an earlier nonce of the account never arrived or failed; send the missing nonce, then this one again")]
        TxExpired = 18 => "tx_expired",

        // 20–39: refusals of the HTTP API itself (the request never reached the ledger), and the
        // CLI's own failures (33–35, never sent by a node). HTTP status and code go together.
        /// No route has this path (HTTP 404).
        #[error("no such route: the path matches no API route; the routes and their methods are listed in GET /openapi.json")]
        RouteNotFound = 20 => "route_not_found",
        /// Nothing is stored under this id or height (HTTP 404).
        #[error("not found: nothing is stored under this id or height; check the id, or wait for the block that creates it")]
        NotFound = 21 => "not_found",
        /// The route exists but not with this method (HTTP 405).
        #[error("method not allowed: the route exists but not with this HTTP method; GET /openapi.json lists each route's method")]
        MethodNotAllowed = 22 => "method_not_allowed",
        /// The body is over the route's limit (HTTP 413).
        #[error("request body too large: the body exceeds the route's limit ([api] body_bytes_max, or batch_body_bytes_max for POST /txs/batch); send less or split the batch")]
        BodyTooLarge = 23 => "body_too_large",
        /// Path and query are over the limit (HTTP 414).
        #[error("URI too long: the path and query exceed the node's limit ([api] uri_bytes_max); shorten them, or send large data in a POST body")]
        UriTooLong = 24 => "uri_too_long",
        /// The headers are over the limit (HTTP 431).
        #[error("request headers too large: the headers exceed the node's limit in bytes or in number ([api] header_bytes_max, headers_max); send fewer or shorter headers")]
        HeadersTooLarge = 25 => "headers_too_large",
        /// The query string does not parse (HTTP 400).
        #[error("bad query string: a parameter is unknown, repeated or not of its type; the detail names it; GET /openapi.json lists each route's parameters")]
        BadQuery = 26 => "bad_query",
        /// A path segment does not parse (HTTP 400).
        #[error("bad path parameter: a path segment does not percent-decode to UTF-8 or does not parse as the id, hash or height the route names; the detail names it")]
        BadPath = 27 => "bad_path",
        /// A path segment is over its limit (HTTP 400).
        #[error("path parameter too long: a path segment exceeds its limit (state keys 1,024 bytes, feed names 32, other ids and heights 128); nothing is stored under a longer one; shorten it")]
        PathParamTooLong = 28 => "path_param_too_long",
        /// The request is malformed in another way (HTTP 400).
        #[error("bad request: the request is malformed (a body that is not the expected JSON, a missing or extra field, a value out of range); the detail says what to fix")]
        BadRequest = 29 => "bad_request",
        /// The node failed to answer (HTTP 500); not the client's fault.
        #[error("internal error: the node failed to answer (its storage or one of its tasks failed); this is not the request's fault; retry later or use another node")]
        Internal = 30 => "internal",
        /// The request took too long (HTTP 408).
        #[error("request timeout: the request took longer than the node allows ([api] request_timeout_ms); retry, or broadcast in sync mode and poll GET /txs/{{hash}}")]
        RequestTimeout = 31 => "request_timeout",
        /// The node serves as many connections as it may (HTTP 503).
        #[error("too many connections: the node serves as many connections as it may at once ([api] connections_max); retry in a moment, and reuse one connection for many requests")]
        ConnectionsFull = 32 => "connections_full",
        /// The CLI got no answer from the node.
        #[error("node unreachable: nothing answered at the node URL; start a node (`computefi devnet`) or pass --node URL")]
        NodeUnreachable = 33 => "node_unreachable",
        /// The CLI got an answer it cannot read.
        #[error("unreadable node answer: the answer is not the JSON a ComputeFi node sends; check that --node points at a ComputeFi node of this version")]
        BadNodeAnswer = 34 => "bad_node_answer",
        /// The CLI failed on its own side.
        #[error("command failed: the command failed on this machine (an argument, file, key or local check); the detail says which")]
        CommandFailed = 35 => "command_failed",

        /// Executing the transaction would break one of the ledger's invariants (a pool's k falling,
        /// a supply below a balance, a total past 2^128): refused, so that no transaction can stop a
        /// block from being built.
        #[error("ledger invariant: executing the transaction would break an invariant of the ledger, so it is refused and changes nothing; the detail names the invariant; report it with the transaction hash")]
        InvariantBroken = 40 => "invariant_broken",

        /// Balance too low.
        #[error(
            "insufficient balance: the account holds less of this asset than the amount; fund it or send less"
        )]
        InsufficientBalance = 1001 => "insufficient_balance",
        /// No such asset.
        #[error("unknown asset: no asset has this id; check the id (`computefi query asset ID`) or create the asset first")]
        UnknownAsset = 1002 => "unknown_asset",
        /// A zero amount.
        #[error("zero amount: the amount must be more than zero; send at least 1 base unit")]
        ZeroAmount = 1003 => "zero_amount",
        /// Sending to oneself.
        #[error("self transfer: the recipient is the sender; send to another account")]
        SelfTransfer = 1004 => "self_transfer",
        /// An amount would overflow 128 bits.
        #[error("amount overflow: the resulting balance or total would exceed the largest amount (2^128-1); send less")]
        AmountOverflow = 1005 => "amount_overflow",
        /// A multi-send with no outputs or too many.
        #[error(
            "bad multi-send: a multi-send needs between 1 and {max} outputs; split it into several",
            max = crate::limits::MULTI_SEND_OUTPUTS_MAX,
        )]
        BadOutputs = 1006 => "bad_outputs",

        /// The issuer already created this symbol.
        #[error("asset exists: this issuer already created an asset with this symbol; choose another symbol")]
        AssetExists = 2001 => "asset_exists",
        /// Only the issuer may mint or burn, set transfer rules, or freeze and unfreeze.
        #[error("not the issuer: only the asset's issuer may mint or burn it, set its transfer rules, or freeze and unfreeze it; sign with the issuer's key")]
        NotIssuer = 2002 => "not_issuer",
        /// Minting past the cap.
        #[error("max supply exceeded: minting this amount would take the supply past the asset's max supply; mint less")]
        MaxSupplyExceeded = 2003 => "max_supply_exceeded",
        /// Symbol out of form.
        #[error(
            "invalid symbol: a symbol has {min}-{max} characters A-Z and 0-9 and starts with a letter; {native} is reserved",
            min = crate::limits::SYMBOL_BYTES_MIN,
            max = crate::limits::SYMBOL_BYTES_MAX,
            native = crate::address::NATIVE_SYMBOL,
        )]
        InvalidSymbol = 2004 => "invalid_symbol",
        /// Too many decimals.
        #[error(
            "invalid decimals: an asset has at most {max} decimals; choose fewer",
            max = crate::limits::DECIMALS_MAX,
        )]
        InvalidDecimals = 2005 => "invalid_decimals",
        /// Name too long or empty.
        #[error(
            "invalid name: a name has 1-{max} bytes of printable text; shorten it",
            max = crate::limits::ASSET_NAME_BYTES_MAX,
        )]
        InvalidName = 2006 => "invalid_name",
        /// A max supply of zero.
        #[error("invalid max supply: a max supply must be more than zero; leave it out for no cap")]
        InvalidMaxSupply = 2007 => "invalid_max_supply",

        /// not a claim issuer.
        #[error("not a claim issuer: only a registered claim issuer may grant or revoke claims; sign with a registered issuer's key; claim issuers are named in the genesis file and added or removed by governance (`computefi tx gov submit --grant claim-issuer=ADDRESS`)")]
        NotClaimIssuer = 3001 => "not_claim_issuer",
        /// invalid claim.
        #[error("invalid claim: a jurisdiction claim needs a two-letter country code (e.g. DE) and other claims none; fix the claim")]
        InvalidClaim = 3002 => "invalid_claim",
        /// claim expiry in the past.
        #[error("claim expiry in the past: the expiry must be later than the current block time; choose a later expiry")]
        ClaimExpiryPast = 3003 => "claim_expiry_past",
        /// no such claim.
        #[error("no such claim: the signer has not granted this claim to this account; check the subject and claim type")]
        ClaimNotFound = 3004 => "claim_not_found",
        /// invalid transfer rules.
        #[error("invalid transfer rules: a list or code is out of bounds; the detail names it")]
        InvalidRules = 3101 => "invalid_rules",
        /// asset frozen.
        #[error(
            "asset frozen: its issuer has frozen all transfers of this asset; ask the issuer to unfreeze it"
        )]
        AssetFrozen = 3102 => "asset_frozen",
        /// account frozen.
        #[error("account frozen: the issuer has frozen this account's holding of the asset; ask the issuer to unfreeze it")]
        AccountFrozen = 3103 => "account_frozen",
        /// too many holders.
        #[error("too many holders: the transfer would give the asset more holders than its rules allow; send to an existing holder")]
        HoldersMaxExceeded = 3104 => "holders_max_exceeded",
        /// holding limit exceeded.
        #[error(
            "holding limit exceeded: the receiver would hold more of the supply than the rules allow; send less"
        )]
        HoldingMaxExceeded = 3105 => "holding_max_exceeded",
        /// transfer not allowed by the asset's rules.
        #[error("transfer not allowed by the asset's rules: no requirement is met by sender and receiver; the detail names the failing conditions; get the missing claims from a trusted claim issuer")]
        TransferNotAllowed = 3106 => "transfer_not_allowed",
        /// not the controller.
        #[error("not the controller: only the asset's controller may force a transfer; sign with the controller's key")]
        NotController = 3107 => "not_controller",
        /// not frozen.
        #[error("not frozen: there is no such freeze to lift")]
        NotFrozen = 3108 => "not_frozen",
        /// A forced transfer out of a module's account.
        #[error("forced transfer from a module account: the holder is an account of the ledger itself (a pool, an escrow, unclaimed income) whose holdings back what the module owes others; force the transfer from the account with the claim instead, after it removes its liquidity or its lease or contract ends")]
        ForceFromModuleAccount = 3109 => "force_from_module_account",
        /// unknown title.
        #[error("unknown title: no hardware title has this id; list titles with `computefi query titles`")]
        UnknownTitle = 4001 => "unknown_title",
        /// invalid title.
        #[error("invalid title: a field of the title is empty or out of bounds; the detail names it")]
        InvalidTitleSpec = 4002 => "invalid_title_spec",
        /// duplicate serial.
        #[error("duplicate serial: a unit with this serial already backs a title (one unit cannot back two titles); check the serials")]
        DuplicateSerial = 4003 => "duplicate_serial",
        /// not an approved auditor.
        #[error("not an approved auditor: only an approved auditor or appraiser may verify or appraise titles; sign with an approved auditor's key")]
        NotAuditor = 4004 => "not_auditor",
        /// not the holder.
        #[error(
            "not the holder: only the title's holder may transfer, pledge, fractionalise, redeem or retire it"
        )]
        NotTitleHolder = 4005 => "not_title_holder",
        /// not the operator.
        #[error(
            "not the operator: only the title's operator may change its status or insurance or authorise payers"
        )]
        NotOperator = 4006 => "not_operator",
        /// title pledged.
        #[error("title pledged: the title is pledged to a lender; have the lien holder release it first")]
        TitlePledged = 4007 => "title_pledged",
        /// title locked.
        #[error("title locked: the title is split into shares; recombine all shares first")]
        TitleLocked = 4008 => "title_locked",
        /// title ended.
        #[error("title ended: the title was redeemed or retired and can no longer change")]
        TitleEnded = 4009 => "title_ended",
        /// status change not allowed.
        #[error("status change not allowed: titles move registered -> verified -> active <-> degraded/offline; the detail names both states")]
        BadStatusChange = 4010 => "bad_status_change",
        /// not the lien holder.
        #[error("not the lien holder: only the account the title is pledged to may release it")]
        NotLienHolder = 4011 => "not_lien_holder",
        /// title not verified.
        #[error("title not verified: an approved auditor must verify the title first")]
        TitleNotVerified = 4012 => "title_not_verified",
        /// Tag taken.
        #[error("coinbase tag taken: another live title already uses this coinbase tag; choose another tag")]
        DuplicateCoinbaseTag = 4013 => "duplicate_coinbase_tag",
        /// A status only evidence may set.
        #[error("status only from evidence: a title becomes active only by a passed capacity challenge, a share window that reaches its claim or a fresh attestation, and returns from degraded or offline the same way; the operator may only declare maintenance (or retire the title)")]
        StatusByEvidenceOnly = 4014 => "status_by_evidence_only",
        /// Reservations outstanding.
        #[error("title has reservations: live capacity tokens, open leases or running delivery contracts still rest on the title; let them end (tokens at the end of their window, leases and contracts closed) before retiring or redeeming it (GET /titles/{{id}}/capacity)")]
        TitleHasReservations = 4015 => "title_has_reservations",
        /// The title is not active.
        #[error("title not active: capacity tokens, bids, leases and delivery contracts need a title that is active now (proven by evidence); prove it first (GET /titles/{{id}}/status)")]
        TitleNotActive = 4016 => "title_not_active",
        /// A pledge to a module's account, which no key controls and so could never release it.
        #[error("pledge to a module account: a module's account can never release a lien; pledge to a lender's own account, or borrow through `computefi tx loan offer`")]
        PledgeToModuleAccount = 4017 => "pledge_to_module_account",
        /// zero shares.
        #[error("zero shares: a title must be split into at least 1 share")]
        ZeroShares = 5001 => "zero_shares",
        /// bad vault.
        #[error("bad vault: a vault holds 1 to 32 distinct titles of one class; the detail says what is wrong")]
        BadVault = 5002 => "bad_vault",
        /// not a share token.
        #[error("not a share token: this asset is not the share token of a title or vault")]
        NotAVault = 5003 => "not_a_vault",
        /// not all shares.
        #[error("not all shares: recombining needs every share of the vault in the signer's account")]
        NotAllShares = 5004 => "not_all_shares",
        /// costs exceed income.
        #[error("costs exceed income: declared costs are larger than the gross income, or nothing is left; check the amounts")]
        CostsExceedIncome = 6001 => "costs_exceed_income",
        /// not a payer.
        #[error("not a payer: only the title's operator or an authorised payer may deposit its income")]
        NotPayer = 6002 => "not_payer",
        /// nothing to claim.
        #[error("nothing to claim: this account has no unclaimed income for these shares and this asset")]
        NothingToClaim = 6003 => "nothing_to_claim",
        /// too many income assets.
        #[error("too many income assets: a vault pays income in at most 8 assets; pay in one it already uses")]
        TooManyIncomeAssets = 6004 => "too_many_income_assets",

        /// unknown device key.
        #[error("unknown device key: the key is not listed on the title; the operator lists device keys when registering the title")]
        UnknownDeviceKey = 7001 => "unknown_device_key",
        /// invalid report signature.
        #[error("invalid report signature: the device key did not sign this envelope; sign it again with the device key")]
        InvalidReportSignature = 7002 => "invalid_report_signature",
        /// replayed report.
        #[error("replayed report: this device already reported with this sequence number; use the next sequence number")]
        ReplayedReport = 7003 => "replayed_report",
        /// sequence gap too large.
        #[error("sequence gap too large: the sequence number skips more reports than allowed; send the missing reports or the next number")]
        SequenceGap = 7004 => "sequence_gap",
        /// broken report chain.
        #[error("broken report chain: prev_hash is not the hash of this key's last accepted envelope; rebuild the envelope on the last one")]
        BrokenReportChain = 7005 => "broken_report_chain",
        /// report outside its window.
        #[error("report outside its window: the block height is outside the envelope's window, or the window is too wide; sign a fresh report")]
        StaleReport = 7006 => "stale_report",
        /// invalid report payload.
        #[error("invalid report payload: a list or field of the payload is out of bounds; the detail names it")]
        InvalidPayload = 7007 => "invalid_payload",
        /// unknown feed.
        #[error("unknown feed: no oracle feed has this name; list feeds with `computefi query feeds`")]
        UnknownFeed = 7101 => "unknown_feed",
        /// not a feeder.
        #[error("not a feeder: only the feed's authorised feeders may submit values")]
        NotFeeder = 7102 => "not_feeder",
        /// duplicate share.
        #[error("duplicate share: this block header was already counted as a share; send only new shares")]
        DuplicateShare = 7008 => "duplicate_share",
        /// share below its difficulty.
        #[error("share below its difficulty: the header's hash does not meet the batch's share difficulty; send only shares that meet it")]
        ShareTooWeak = 7009 => "share_too_weak",
        /// challenge pending.
        #[error("challenge pending: this title already has an open challenge; answer or expire it first")]
        ChallengePending = 7010 => "challenge_pending",
        /// challenge not expired.
        #[error("challenge not expired: its deadline has not passed; wait for the deadline")]
        ChallengeNotExpired = 7011 => "challenge_not_expired",
        /// unknown challenge.
        #[error("unknown challenge: no open challenge has this id for this title; list them with GET /titles/{{id}}/reports")]
        UnknownChallenge = 7012 => "unknown_challenge",
        /// Not yet offline.
        #[error("not offline yet: the title's last share is newer than the offline timeout, or it has never reported one; wait or check GET /titles/{{id}}/reports")]
        NotOffline = 7013 => "not_offline",
        /// Share not bound.
        #[error("share not bound to the title: the coinbase proof is missing, or its coinbase does not carry the title's tag or does not hash to the header's merkle root; send each share with its coinbase and branch")]
        ShareNotBound = 7014 => "share_not_bound",
        /// Stale share.
        #[error("stale share: the share does not build on a recent Bitcoin tip reported to the ledger; mine on the current tip")]
        StaleShare = 7015 => "stale_share",
        /// Past a challenge deadline.
        #[error("challenge deadline passed: the commitment or opening came after the challenge's deadline height; the challenge fails when anyone expires it, and a new one can be requested")]
        ChallengeDeadlinePassed = 7016 => "challenge_deadline_passed",
        /// Rows not asked for.
        #[error("rows not asked for: an opening must give exactly the rows the ledger chose after the commitment, in that order (GET /challenges/{{id}})")]
        RowsNotAsked = 7017 => "rows_not_asked",
        /// Rows not chosen yet.
        #[error("rows not chosen yet: the ledger chooses the rows to open from the hash of the block that holds the commitment; wait one block and read them (GET /challenges/{{id}})")]
        RowsNotChosen = 7018 => "rows_not_chosen",
        /// Too many challenges open.
        #[error("challenges full: the ledger holds as many open challenges as it allows; wait for some to be answered or to expire, then ask again")]
        ChallengesFull = 7019 => "challenges_full",
        /// Attestation bound to another title.
        #[error("attestation bound elsewhere: this GPU's attestation key already attests for another live title; one device attests for one title only")]
        AttestationBoundElsewhere = 7020 => "attestation_bound_elsewhere",
        /// Attestation invalid.
        #[error("attestation invalid: the report's signature, certificate chain (up to the pinned NVIDIA root) or format does not verify; the detail names the check that failed")]
        AttestationInvalid = 7021 => "attestation_invalid",
        /// Attestation nonce stale.
        #[error("attestation nonce stale: the report does not answer the title's pending nonce, or the nonce's deadline passed; request a new nonce and answer it")]
        AttestationNonceStale = 7022 => "attestation_nonce_stale",
        /// Simulated device not allowed.
        #[error("simulated device not allowed: this chain's genesis does not allow simulated devices (params.allow_simulated_devices); report from real hardware")]
        SimulatedNotAllowed = 7023 => "simulated_not_allowed",
        /// No fresh Bitcoin tip.
        #[error("no fresh Bitcoin tip: shares count only while the btc_tip oracle feed is fresh (or on a chain whose genesis allows archival headers); have a feeder report the tip")]
        NoFreshTip = 7024 => "no_fresh_tip",
        /// Share time outside the window.
        #[error("share time out of window: a share's header time must lie within two hours of the latest Bitcoin tip's time and no earlier than the start of the title's open share window (or the end of its last closed one); send shares as they are found")]
        ShareTimeOutOfWindow = 7025 => "share_time_out_of_window",
        /// Attestation nonce already pending.
        #[error("attestation pending: this title already has a nonce waiting for its report; answer that nonce before its deadline height (GET /titles/{{id}}/reports), or ask again after it")]
        AttestationPending = 7026 => "attestation_pending",

        /// A pool of one asset with itself.
        #[error(
            "pool of one asset with itself: a pool trades two different assets; give two different asset ids"
        )]
        SameAsset = 8000 => "same_asset",
        /// A pool for the pair exists.
        #[error(
            "pool exists: the pair already has a pool; add liquidity to it instead (GET /pools/{{a}}/{{b}})"
        )]
        PoolExists = 8001 => "pool_exists",
        /// No such pool.
        #[error("unknown pool: no pool trades this pair; create it with `computefi tx amm create-pool` or check the route")]
        UnknownPool = 8002 => "unknown_pool",
        /// Zero liquidity.
        #[error("zero liquidity: the amounts are zero, too small to mint a liquidity share, or the pool holds no reserves; deposit more, or add liquidity before trading")]
        ZeroLiquidity = 8003 => "zero_liquidity",
        /// Past the slippage limit.
        #[error("slippage limit exceeded: at the pool's current reserves the trade gives less (or costs more) than the limit you set; quote again and raise the limit or trade less")]
        SlippageExceeded = 8004 => "slippage_exceeded",
        /// Past the deadline.
        #[error("deadline passed: the block height is past the deadline height you set; sign the trade again with a later deadline")]
        DeadlinePassed = 8005 => "deadline_passed",
        /// A bad route.
        #[error("bad route: a route lists 2 to 5 assets with no asset twice; give the assets from the one you pay to the one you receive")]
        BadRoute = 8006 => "bad_route",
        /// The output would drain the pool.
        #[error("insufficient liquidity: the pool cannot pay that much out of its reserves; trade less")]
        InsufficientLiquidity = 8007 => "insufficient_liquidity",
        /// Fee outside its range.
        #[error("fee out of range: a pool's fee is 1 to 1000 basis points; use the default 30 unless you have a reason")]
        BadFee = 8008 => "bad_fee",

        /// Capacity beyond the verified capacity.
        #[error("capacity beyond the verified capacity: at some moment of the window the title's live capacity tokens and leases would hold more GPUs or TH/s than its verified capacity; issue less, or another window (GET /titles/{{id}}/capacity)")]
        CapacityExceeded = 8100 => "capacity_exceeded",
        /// Bad capacity window.
        #[error("bad capacity window: GPU-hours need a GPU title, at least one GPU and one hour and at most the longest window; TH/s-days need an ASIC title and a day that has not ended; fix the window")]
        BadCapacityWindow = 8101 => "bad_capacity_window",
        /// Token expired.
        #[error("token expired: the capacity token's window has ended, so it no longer moves, trades or redeems; expired tokens count for nothing")]
        TokenExpired = 8102 => "token_expired",
        /// Not a capacity token of that kind.
        #[error("not a capacity token of that kind: redeem GPU-hour tokens for leases and TH/s-day tokens for delivery contracts (GET /capacity/{{token}})")]
        NotCapacityToken = 8103 => "not_capacity_token",
        /// Not the title's provider.
        #[error("not the title's provider: only the title's holder (or its operator while it is fractionalised) sells its capacity; sign with that account")]
        NotProvider = 8104 => "not_provider",
        /// Too many live capacity tokens.
        #[error("too many live capacity tokens: the title or the ledger holds the most unexpired capacity tokens it may; wait for some to expire")]
        TooManyTokens = 8105 => "too_many_tokens",
        /// Not the whole token.
        #[error("not the whole token: a capacity token is returned whole, by an account holding its entire issued supply with none redeemed; buy the rest back first, or let it expire")]
        TokenNotWhole = 8106 => "token_not_whole",
        /// Bad order.
        #[error("bad order: GPUs, hours, the price limit and the deposit must be above zero and within their limits, the model named, the green share at most 10000 bps, a green premium at most the price limit and only with a green share, and an automatic acceptance height in the future; fix the order")]
        BadOrder = 8200 => "bad_order",
        /// Unknown order.
        #[error("unknown order: no order has this id; list orders with GET /orders")]
        UnknownOrder = 8201 => "unknown_order",
        /// Order closed.
        #[error("order closed: the order was accepted or cancelled and takes no more bids or acceptances; bid on an open order")]
        OrderClosed = 8202 => "order_closed",
        /// Bid does not fit the order.
        #[error("bid does not fit the order: the title must be a GPU title of the order's model (and active: title_not_active otherwise), and the price at most the order's limit; bid with a fitting title and price")]
        BidDoesNotFit = 8203 => "bid_does_not_fit",
        /// Too many bids.
        #[error("too many bids: the order holds the most bids it may; wait for the renter to accept one")]
        TooManyBids = 8204 => "too_many_bids",
        /// Unknown lease.
        #[error(
            "unknown lease: no lease has this id; GET /leases lists the open ones, GET /leases/{{id}} shows any"
        )]
        UnknownLease = 8205 => "unknown_lease",
        /// Not a party to the lease.
        #[error("not a party to the lease: only the lease's renter or provider may close it, and only the renter tops it up or accepts bids; sign with that account")]
        NotLeaseParty = 8206 => "not_lease_party",
        /// Lease closed.
        #[error("lease closed: the lease has ended and takes no more payments; post a new order")]
        LeaseClosed = 8207 => "lease_closed",
        /// Unknown bid.
        #[error("unknown bid: the order has no bid at this index; list its bids with GET /orders/{{id}}")]
        UnknownBid = 8208 => "unknown_bid",
        /// Too many open leases.
        #[error("too many open leases: the ledger runs at most a fixed number of leases and orders at once; wait for one to end")]
        TooManyLeases = 8209 => "too_many_leases",
        /// Gpus unavailable.
        #[error("GPUs unavailable: the title does not have that many GPUs free of other leases and capacity tokens for the period; bid with fewer GPUs or another title")]
        GpusUnavailable = 8210 => "gpus_unavailable",
        /// Bad contract.
        #[error("bad contract: the hashrate, days and price must be above zero, the title an ASIC title, the start in the future and the tolerance below 10000 bps; fix the offer")]
        BadContract = 8300 => "bad_contract",
        /// Unknown contract.
        #[error("unknown contract: no delivery contract has this id; list them with GET /contracts")]
        UnknownContract = 8301 => "unknown_contract",
        /// Contract not offered.
        #[error("contract not offered: only an offer not yet accepted can be accepted or cancelled")]
        ContractNotOffered = 8302 => "contract_not_offered",
        /// Not the buyer.
        #[error("not the buyer: only the buyer who made the offer may cancel it; sign with that account")]
        NotBuyer = 8303 => "not_buyer",
        /// Too many delivery contracts.
        #[error("too many delivery contracts: the title or the ledger runs the most contracts it may at once; wait for one to end")]
        ContractsFull = 8304 => "contracts_full",
        /// A valuation's arithmetic failed (an input past its limit, a figure past 128 bits).
        #[error("valuation failed: an input is past its limit or a figure overflows; check the inputs named in the detail")]
        ValuationFailed = 9000 => "valuation_failed",
        /// The title or share token has no valuation yet.
        #[error("not valued yet: the ledger values titles in service once an epoch (and share tokens after their titles); wait for the next epoch, or check that the oracle feeds are fresh")]
        NotValued = 9001 => "not_valued",
        /// An unknown stress scenario.
        #[error("unknown stress scenario: use halving, btc-50, difficulty+30, rental-40 or custom")]
        UnknownScenario = 9002 => "unknown_scenario",
        /// Loan terms that do not hold together.
        #[error("bad loan terms: the duration must be a whole multiple of the interval, the grace at most the interval, 1 to 32 tranches that sum to the principal, fees below the principal; fix the terms named in the detail")]
        BadLoanTerms = 9100 => "bad_loan_terms",
        /// No such loan.
        #[error("unknown loan: no loan has this id; list them with `computefi query loans`")]
        UnknownLoan = 9101 => "unknown_loan",
        /// The offer expired before every tranche was funded.
        #[error("loan offer expired: its expiry passed before every tranche was funded; cancel it and offer again")]
        LoanOfferExpired = 9102 => "loan_offer_expired",
        /// The loan is not in the state the message needs.
        #[error("loan not in that state: funding and cancelling need an open offer, repaying an active loan; check the loan with `computefi query loan`")]
        LoanState = 9103 => "loan_state",
        /// The tranche does not exist, is funded already, or the sender is not its lender.
        #[error("not this tranche: the tranche does not exist, is funded already, or belongs to another lender; fund your own tranche once")]
        BadTranche = 9104 => "bad_tranche",
        /// Principal above the collateral's value for lending × the maximum LTV.
        #[error("loan to value too high: the principal is above the collateral's value for lending times the maximum LTV; borrow less or add collateral")]
        LtvTooHigh = 9105 => "ltv_too_high",
        /// The collateral cannot secure the loan.
        #[error("collateral unavailable: it must be the sender's, active, not pledged, not split into shares (a title) and valued from fresh feeds; check the collateral named in the detail")]
        CollateralUnavailable = 9106 => "collateral_unavailable",
        /// Nothing to pay out, or the sender does not hold the tranche's position token.
        #[error("nothing to claim: the sender does not hold the tranche's position token, or the tranche has nothing unclaimed")]
        TrancheNothingToClaim = 9107 => "tranche_nothing_to_claim",
        /// Only the borrower may do this.
        #[error("not the borrower: only the loan's borrower may cancel its offer before it expires; wait for the expiry or ask the borrower")]
        NotBorrower = 9108 => "not_borrower",
        /// The loan is not in default, so it cannot be liquidated.
        #[error("loan not in default: a loan may be liquidated only after its deadline plus the grace period, or at the end of a margin call's cure period; check the loan's deadline_ms and cure_until_ms with `computefi query loan`")]
        LoanNotInDefault = 9109 => "loan_not_in_default",
        /// No such auction.
        #[error("unknown auction: no auction has this id; list them with `computefi query auctions`")]
        UnknownAuction = 9200 => "unknown_auction",
        /// The auction has ended or was settled.
        #[error("auction closed: its end has passed or it was settled; bids are taken only before its ends_ms")]
        AuctionClosed = 9201 => "auction_closed",
        /// A bid below the reserve, or below the highest bid plus the minimum increment.
        #[error("bid too low: the first bid must reach the reserve, a later one the highest bid plus the minimum increment; bid at least the min_bid that `computefi query auction` shows")]
        BidTooLow = 9202 => "bid_too_low",
        /// The ledger runs the most auctions it may at once.
        #[error("too many auctions: the ledger runs the most auctions it may at once; liquidate again once one has settled")]
        AuctionsFull = 9203 => "auctions_full",
        /// The sender is not a reserve attestor.
        #[error("not a reserve attestor: only the chain's reserve attestors post reserve reports and yield; sign with an attestor's key")]
        NotAttestor = 9300 => "not_attestor",
        /// A reserve report or reference that does not hold together.
        #[error("bad reserve report: ids, custodians and references take 1 to 64 bytes, a report 1 to 32 holdings summing to its total, counted no later than the block, with an id not used before; fix the field named in the detail")]
        BadReserveReport = 9301 => "bad_reserve_report",
        /// Minting would take the supply above the attested reserves.
        #[error("reserves exceeded: the dollar supply would exceed the latest attested reserves; wait for a new reserve report or mint less")]
        ReservesExceeded = 9302 => "reserves_exceeded",
        /// The latest reserve report is too old to mint against.
        #[error("reserve report stale: the latest reserve report is older than params.reserve.report_max_age_ms, so nothing is minted; an attestor must post a new report (burning still works)")]
        ReserveStale = 9303 => "reserve_stale",
        /// The sender is not a reserve minter.
        #[error("not a reserve minter: only the chain's reserve minters mint dollars for payments received; sign with a minter's key")]
        NotMinter = 9304 => "not_minter",
        /// No such yield vault.
        #[error("unknown vault: no yield vault has this id; list them with `computefi query vaults`")]
        UnknownVault = 9400 => "unknown_vault",
        /// Vault terms that do not hold together.
        #[error("bad vault terms: the asset must be a dollar asset, the window above zero, the symbol valid, at least one request per account and the policy's bounds within range; fix the field named in the detail")]
        BadVaultTerms = 9401 => "bad_vault_terms",
        /// A deposit above the vault's cap.
        #[error("deposit cap exceeded: the vault takes no more assets than its deposit cap; deposit less or wait for redemptions")]
        DepositCapExceeded = 9402 => "deposit_cap_exceeded",
        /// A redemption request below the vault's minimum.
        #[error("redemption below the minimum: a request must ask at least the vault's redeem_min shares; ask more")]
        RedeemBelowMinimum = 9403 => "redeem_below_minimum",
        /// The account has the most requests it may have waiting.
        #[error("too many redemption requests: the account has as many requests waiting as the vault allows; wait for them to be served or cancel one")]
        TooManyRequests = 9404 => "too_many_requests",
        /// No request's window has come.
        #[error("window not reached: no waiting request's window has begun yet; service the queue after the window start shown by `computefi query vault`")]
        WindowNotReached = 9405 => "window_not_reached",
        /// Not the request's owner, or the request is no longer waiting.
        #[error("not your request: only the account that made a waiting redemption request may cancel it, before its window")]
        NotRequestOwner = 9406 => "not_request_owner",
        /// An allocation outside the vault's lending policy.
        #[error("outside the lending policy: the loan or tranche breaks the vault's policy (per loan, per borrower, rate, LTV, class or green); check the policy with `computefi query vault`")]
        OutsidePolicy = 9407 => "outside_policy",
        /// Only the vault's manager may do this.
        #[error("not the vault manager: only the account that created the vault sets its policy and allocates its funds")]
        NotVaultManager = 9408 => "not_vault_manager",
        /// A meter's counter below its last reading.
        #[error("meter ran backwards: a meter's cumulative counter never falls; report the counter as it is, or register a new device key for a replaced meter")]
        MeterBackwards = 9500 => "meter_backwards",
        /// A second reading of a meter in one block.
        #[error("meter read twice in a block: a meter's readings count at their block's time, one a block; send the next reading in a later block")]
        MeterTooSoon = 9501 => "meter_too_soon",
        /// Certificates that cannot be issued for that site and hour.
        #[error("bad issuance: certificates are issued by an energy site's holder for an hour that has ended and that its generation meter measured in full, at most the site's capacity × 1.1; check the detail")]
        BadIssuance = 9502 => "bad_issuance",
        /// The hour's certificates were issued already.
        #[error("already issued: one issuance per site and hour; split the bundle issued for it instead")]
        AlreadyIssued = 9503 => "already_issued",
        /// No such certificate bundle.
        #[error("unknown bundle: no certificate bundle has this id; list a holder's with `computefi query certificates`")]
        UnknownBundle = 9504 => "unknown_bundle",
        /// The bundle is not in a state that allows this.
        #[error("bundle not active: only an active bundle is split, transferred, cancelled, expired or withdrawn, and only a cancelled one claimed; check its status")]
        BundleState = 9505 => "bundle_state",
        /// A split at or past the bundle's quantity.
        #[error("split beyond the bundle: keep 1 to the bundle's quantity − 1 certificates in the first part")]
        SplitBeyondBundle = 9506 => "split_beyond_bundle",
        /// Only the bundle's holder may do this.
        #[error("not the bundle's holder: only the holder of a bundle splits, transfers or cancels it, and only the beneficiary's holder claims it")]
        NotBundleHolder = 9507 => "not_bundle_holder",
        /// The beneficiary is in another zone, or is no consumer.
        #[error("zone mismatch: a bundle is cancelled only for a GPU or ASIC title in the zone it was produced in")]
        ZoneMismatch = 9508 => "zone_mismatch",
        /// The sender is not a registry attestor.
        #[error("not a registry attestor: only the chain's registry attestors (a role of the genesis file) immobilise carbon credits; sign with an attestor's key")]
        NotRegistryAttestor = 9600 => "not_registry_attestor",
        /// A credit batch that does not hold together.
        #[error(
            "bad credit batch: the registry takes 1 to {registry} bytes of lower-case letters, digits and '-', the project 1 to {project} printable bytes, the vintage a year from {first} to {last}, and the serials an inclusive range of 1 to 1000000 serials (start at most end); fix the field named in the detail",
            registry = crate::carbon::REGISTRY_BYTES_MAX,
            project = crate::carbon::PROJECT_BYTES_MAX,
            first = crate::carbon::VINTAGE_YEAR_FIRST,
            last = crate::carbon::VINTAGE_YEAR_LAST,
        )]
        BadCreditBatch = 9601 => "bad_credit_batch",
        /// A serial of the range was minted before.
        #[error("serial already minted: a credit's serial is minted once per registry, and the range overlaps a batch immobilised before; immobilise only serials not yet on the ledger (GET /carbon/batches lists them)")]
        SerialAlreadyMinted = 9602 => "serial_already_minted",
        /// A serial bucket holds the most separate ranges it may.
        #[error("serial bucket full: the range falls in a block of serials that already holds the most separate ranges the ledger keeps; immobilise the serials that close the gaps between them, or a range elsewhere")]
        SerialBucketFull = 9603 => "serial_bucket_full",
        /// No such credit batch.
        #[error("unknown credit batch: no credit batch has this id; list them with `computefi query credit-batches`")]
        UnknownCreditBatch = 9604 => "unknown_credit_batch",
        /// Only the batch's holder may do this.
        #[error("not the credit batch's holder: only the holder of a batch transfers or retires it; sign with the holder's key (`computefi query credit-batch` shows it)")]
        NotCreditHolder = 9605 => "not_credit_holder",
        /// The batch is retired.
        #[error("credit batch retired: a retired batch never moves or retires again; use an active batch")]
        CreditBatchRetired = 9606 => "credit_batch_retired",
        /// A quantity of 0 or above the batch's.
        #[error("bad credit quantity: move or retire 1 to the batch's quantity of tonnes (its serial_end − serial_start + 1)")]
        BadCreditQuantity = 9607 => "bad_credit_quantity",
        /// Only the lease's renter or provider may offset it.
        #[error("not a party to the lease offset: only the lease's renter or provider retires credits against its emissions; sign with one of them, or retire without naming the lease")]
        NotOffsetParty = 9608 => "not_offset_party",
        /// The lease was offset before.
        #[error("lease already offset: a lease's emissions are offset by one retirement; retire without naming the lease")]
        LeaseAlreadyOffset = 9609 => "lease_already_offset",
        /// Fewer tonnes than the lease's emissions.
        #[error("retirement short of the lease's emissions: a retirement against a lease must be at least its market-based emissions so far, rounded up to whole tonnes; retire as many tonnes as the detail names")]
        RetirementShort = 9610 => "retirement_short",
        /// No yield-pass series has this asset id.
        #[error("unknown pass series: no yield-pass series has this asset id; list the series with `computefi query pass-series-list`")]
        UnknownPassSeries = 9700 => "unknown_pass_series",
        /// The expiry of a lock is not ahead of the block time, or too far ahead.
        #[error("bad pass expiry: a lock's expiry must be later than the block time and at most passes::state::EXPIRY_AHEAD_MS_MAX ahead (the detail names both); choose an expiry in that range")]
        BadPassExpiry = 9701 => "bad_pass_expiry",
        /// The locker holds fewer shares than it locks.
        #[error("shares not held: the locker holds fewer of the share token than it locks; lock at most its balance (`computefi query balance`)")]
        SharesNotHeld = 9702 => "shares_not_held",
        /// The asset locked is not a share token of a title vault.
        #[error("not a share token: only the share token of an open title vault can be locked for yield passes; name a vault's share token (`computefi query vault`)")]
        NotShareToken = 9703 => "not_share_token",
        /// Too many series, lockers or series waiting for release.
        #[error("passes full: a share token has the most live series, a series the most lockers, or the ledger the most live series it keeps; lock into an existing series or wait for one to expire")]
        PassesFull = 9704 => "passes_full",
        /// The lock would mint no pass unit.
        #[error("lock too small: the lock mints no pass unit (the shares times the time left, over the series' term, rounds down to zero); lock more shares or choose a later expiry")]
        LockTooSmall = 9705 => "lock_too_small",
        /// The holder's passes are owed nothing.
        #[error("no pass income: the sender's passes of this series are owed nothing now; claim after the share token's next income (`computefi query pass-claimable`)")]
        NoPassIncome = 9706 => "no_pass_income",
        /// Release or burn before the series expired, or a release of a series released before.
        #[error("series not expired: shares are released and passes burned only once the series' expiry has passed, and a series is released once; wait for the expiry the detail names")]
        SeriesNotExpired = 9707 => "series_not_expired",
        /// No CFI locked in governance.
        #[error("no voting power: votes weigh what the voter has locked in governance; lock CFI with `computefi tx gov lock` first")]
        NoVotingPower = 9800 => "no_voting_power",
        /// A proposal that does not hold together.
        #[error(
            "bad proposal: a title of 1 to {title} bytes, a summary of at most {summary} bytes and at most {actions} actions; a parameter action names a governable parameter (`computefi query gov-params`), a role action an existing feed or vault, a validator action a name of 1 to {name} bytes; fix what the detail names",
            title = crate::gov::TITLE_BYTES_MAX,
            summary = crate::gov::SUMMARY_BYTES_MAX,
            actions = crate::gov::ACTIONS_PER_PROPOSAL_MAX,
            name = crate::gov::VALIDATOR_NAME_BYTES_MAX,
        )]
        BadProposal = 9801 => "bad_proposal",
        /// A parameter value outside its bounds, or one that leaves the parameters invalid.
        #[error("parameter out of bounds: each governable parameter has bounds (`computefi query gov-params`), and the parameters it leaves must hold together; propose a value within them")]
        ParamOutOfBounds = 9802 => "param_out_of_bounds",
        /// No such proposal.
        #[error("unknown proposal: no proposal has this id; list them with `computefi query proposals`")]
        UnknownProposal = 9803 => "unknown_proposal",
        /// A deposit outside the deposit period, or a vote outside the voting period.
        #[error("not in its period: deposits are taken during a proposal's deposit period and votes during its voting period; check its status and times with `computefi query proposal`")]
        ProposalPeriodOver = 9804 => "proposal_period_over",
        /// Only the proposer may cancel.
        #[error("not the proposer: only the account that submitted a proposal cancels it")]
        NotProposer = 9805 => "not_proposer",
        /// Before the execution delay, or a proposal that has not passed.
        #[error("not executable yet: a passed proposal runs once its execution delay after the end of voting has passed; wait for the time the detail names")]
        ExecutionTooEarly = 9806 => "execution_too_early",
        /// A first deposit below the minimum.
        #[error("deposit too small: a proposal is submitted with at least params.gov.min_initial_deposit of CFI; deposit more")]
        DepositTooSmall = 9807 => "deposit_too_small",
        /// Too many proposals open, or too many voters or depositors on one.
        #[error("governance full: too many proposals are open, or this proposal has the most voters or depositors the ledger counts; wait for proposals to end")]
        GovernanceFull = 9808 => "governance_full",
        /// More unlocked than locked, or too many unlocks waiting.
        #[error("cannot unlock: unlock at most what you have locked, with fewer than the most unlocks waiting at once; `computefi query gov-lock` shows both")]
        CannotUnlock = 9809 => "cannot_unlock",
    }
}

impl ErrorCode {
    /// The numeric code.
    pub fn code(self) -> u32 {
        self as u32
    }
}

/// A refused transaction: the code, its message, and the values involved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxError {
    /// Stable numeric code.
    pub code: u32,
    /// Stable short name of the code.
    pub name: String,
    /// What went wrong and what to do.
    pub message: String,
    /// The values involved (account, amounts, nonce), for a person reading it.
    pub detail: String,
    /// Index of the failing message, when a message failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg_index: Option<u32>,
}

impl TxError {
    /// An error with the given code and detail.
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> TxError {
        TxError {
            code: code.code(),
            name: code.name().to_string(),
            message: code.to_string(),
            detail: detail.into(),
            msg_index: None,
        }
    }

    /// The same error, marked as raised by message `index`.
    pub fn at_msg(mut self, index: usize) -> TxError {
        self.msg_index = u32::try_from(index).ok();
        self
    }

    /// True when this error has `code`.
    pub fn is(&self, code: ErrorCode) -> bool {
        self.code == code.code()
    }
}

impl std::fmt::Display for TxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error {} ({}): {}", self.code, self.name, self.message)?;
        if !self.detail.is_empty() {
            write!(f, " [{}]", self.detail)?;
        }
        Ok(())
    }
}

impl std::error::Error for TxError {}
