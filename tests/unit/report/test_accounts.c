/*
 * test_accounts.c - the account ledger: the AWS column set from the
 * users' records and the credential report (which wins where, the root
 * user first, users found in one source only), a failed collector, a unit
 * never inspected, a cloud without a column set, Japanese.
 */
#include "ledgertest.h"

enum {
	C_ENV, C_CLOUD, C_UNIT, C_ARN, C_USER, C_MFA, C_CREATED, C_PASSWORD,
	C_PASSWORD_USED, C_KEYS, C_KEY_USED, C_NOTE, C_COUNT
};

#define ROOT "arn:aws:iam::111111111111:root"
#define ALICE "arn:aws:iam::111111111111:user/alice"
#define BOB "arn:aws:iam::111111111111:user/bob"
#define CAROL "arn:aws:iam::111111111111:user/carol"
#define GHOST "arn:aws:iam::111111111111:user/ghost"

/* A credential report row with the fields the ledger reads. */
#define REPORT_ROW(user, arn, created, pw, pw_used, mfa, k1, k1_used, k2,  \
    k2_used)                                                              \
	"{\"user\":\"" user "\",\"arn\":\"" arn "\","                     \
	"\"user_creation_time\":\"" created "\","                         \
	"\"password_enabled\":\"" pw "\","                                \
	"\"password_last_used\":\"" pw_used "\","                         \
	"\"mfa_active\":\"" mfa "\","                                     \
	"\"access_key_1_active\":\"" k1 "\","                             \
	"\"access_key_1_last_used_date\":\"" k1_used "\","                \
	"\"access_key_2_active\":\"" k2 "\","                             \
	"\"access_key_2_last_used_date\":\"" k2_used "\"}"

static const struct lt_res estate[] = {
	/* alice: both sources; her record says MFA, the (older) report
	 * not: the record wins.  One key active, one not. */
	{ "aws/iam-user", ALICE, "alice", "global",
	    "{\"UserName\":\"alice\",\"Arn\":\"" ALICE "\","
	    "\"CreateDate\":\"2023-01-02T03:04:05Z\","
	    "\"PasswordLastUsed\":\"2023-11-14T10:00:00Z\","
	    "\"LoginProfile\":{\"CreateDate\":\"2023-01-02T03:04:05Z\"},"
	    "\"MFADevices\":[{\"SerialNumber\":\"arn:mfa/alice\"}],"
	    "\"AccessKeys\":[{\"AccessKeyId\":\"AKIA1\",\"Status\":\"Active\","
	    "\"LastUsedDate\":\"2023-11-13T08:00:00Z\"},"
	    "{\"AccessKeyId\":\"AKIA2\",\"Status\":\"Inactive\","
	    "\"LastUsedDate\":\"2023-11-14T09:00:00Z\"}]}" },
	{ "aws/iam-credential-report-row", ALICE, "alice", "global",
	    REPORT_ROW("alice", ALICE, "2023-01-02T03:04:05+00:00", "true",
	    "2023-11-01T00:00:00+00:00", "false", "true",
	    "2023-11-01T00:00:00+00:00", "false", "N/A") },
	/* bob: a record without a login profile, MFA or keys members (as
	 * when a call failed): the report fills them in. */
	{ "aws/iam-user", BOB, "bob", "global",
	    "{\"UserName\":\"bob\",\"Arn\":\"" BOB "\","
	    "\"CreateDate\":\"2022-05-06T07:08:09Z\"}" },
	{ "aws/iam-credential-report-row", BOB, "bob", "global",
	    REPORT_ROW("bob", BOB, "2022-05-06T07:08:09+00:00", "true",
	    "no_information", "true", "true", "2023-10-10T10:10:10+00:00",
	    "true", "2023-10-11T11:11:11+00:00") },
	/* carol: created after the report was made. */
	{ "aws/iam-user", CAROL, "carol", "global",
	    "{\"UserName\":\"carol\",\"Arn\":\"" CAROL "\","
	    "\"CreateDate\":\"2023-11-14T20:00:00Z\",\"PasswordLastUsed\":null,"
	    "\"LoginProfile\":null,\"MFADevices\":[],\"AccessKeys\":[]}" },
	/* ghost: in the report only. */
	{ "aws/iam-credential-report-row", GHOST, "ghost", "global",
	    REPORT_ROW("ghost", GHOST, "2021-01-01T00:00:00+00:00", "false",
	    "N/A", "false", "false", "N/A", "false", "N/A") },
	/* The root user: the report only, its password "not_supported". */
	{ "aws/iam-credential-report-row", ROOT, "<root_account>", "global",
	    REPORT_ROW("<root_account>", ROOT, "2020-02-02T02:02:02+00:00",
	    "not_supported", "2023-11-14T21:00:00+00:00", "false", "true",
	    "2023-09-09T09:09:09+00:00", "false", "N/A") },
	/* Not users. */
	{ "aws/iam-account-summary", ROOT, "root", "global",
	    "{\"AccountMFAEnabled\":0}" },
	{ "aws/ec2-instance", "arn:i-1", "i-1", "r1", "{}" }
};

#define N_ESTATE (sizeof(estate) / sizeof(estate[0]))

static void
run_estate(struct lt_fx *x, struct lt_rec *rc)
{
	lt_snapshot(x, x->unit.id, "aws", estate, N_ESTATE, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(lt_run(x, cp_ledger_accounts_table("aws"),
	    cp_ledger_accounts_unit, rc), CP_OK);
}

static void
test_accounts_tables(void)
{
	static const char *const en[C_COUNT] = {
		"Environment", "Cloud", "Account", "ARN", "User name", "MFA",
		"Created (UTC)", "Console password",
		"Password last used (UTC)", "Active access keys",
		"Access key last used (UTC)", "Note"
	};
	static const int types[C_COUNT] = {
		CP_COL_TEXT, CP_COL_TEXT, CP_COL_TEXT, CP_COL_TEXT,
		CP_COL_TEXT, CP_COL_TEXT, CP_COL_TIME, CP_COL_TEXT,
		CP_COL_TIME, CP_COL_INTEGER, CP_COL_TIME, CP_COL_TEXT
	};
	const struct cp_report_table *t = cp_ledger_accounts_table("aws");
	const struct cp_report_table *other;
	size_t i;

	CU_ASSERT(cp_ledger_accounts_has("aws"));
	CU_ASSERT(cp_ledger_accounts_has("azure"));
	CU_ASSERT(!cp_ledger_accounts_has("oci"));
	CU_ASSERT(!cp_ledger_accounts_has(NULL));
	CU_ASSERT_STRING_EQUAL(t->en, "Account ledger (AWS)");
	CU_ASSERT_STRING_EQUAL(t->ja, "アカウント台帳 (AWS)");
	CU_ASSERT_EQUAL_FATAL(t->n_cols, C_COUNT);
	for (i = 0; i < C_COUNT; i++) {
		CU_ASSERT_STRING_EQUAL(t->cols[i].en, en[i]);
		CU_ASSERT_PTR_NOT_NULL(t->cols[i].ja);
		CU_ASSERT_EQUAL(t->cols[i].type, types[i]);
		CU_ASSERT(t->cols[i].width > 0);
	}
	/* Every cloud without a column set shares one table that ends
	 * with a note, as every column set does. */
	other = cp_ledger_accounts_table("gcp");
	CU_ASSERT_PTR_EQUAL(other, cp_ledger_accounts_table("oci"));
	CU_ASSERT_PTR_NOT_EQUAL(other, t);
	CU_ASSERT_STRING_EQUAL(other->en, "Account ledger (other clouds)");
	CU_ASSERT_STRING_EQUAL(other->cols[other->n_cols - 1].en, "Note");
}

static void
test_accounts_aws_rows(void)
{
	static const char *const alice[C_COUNT] = {
		"prod", "aws", "111111111111", ALICE, "alice", "yes",
		"2023-01-02 03:04:05", "yes", "2023-11-14 10:00:00", "1",
		"2023-11-14 09:00:00", ""
	};
	struct lt_fx x;
	struct lt_rec rc;
	size_t c;

	lt_open(&x, "aws", "en");
	run_estate(&x, &rc);
	/* The header, the root user first, then by user name. */
	CU_ASSERT_EQUAL_FATAL(lt_count(&rc), 6);
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 0, C_ARN), "ARN");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, C_ARN), ROOT);
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 2, C_USER), "alice");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 3, C_USER), "bob");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 4, C_USER), "carol");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 5, C_USER), "ghost");
	/* alice: the record's values (the inactive key was used last, but
	 * only one key is active). */
	for (c = 0; c < C_COUNT; c++)
		LT_CELL(&rc, C_ARN, ALICE, c, alice[c]);
	/* bob: the report's, where the record says nothing. */
	LT_CELL(&rc, C_ARN, BOB, C_MFA, "yes");
	LT_CELL(&rc, C_ARN, BOB, C_CREATED, "2022-05-06 07:08:09");
	LT_CELL(&rc, C_ARN, BOB, C_PASSWORD, "yes");
	LT_CELL(&rc, C_ARN, BOB, C_PASSWORD_USED, "");
	LT_CELL(&rc, C_ARN, BOB, C_KEYS, "2");
	LT_CELL(&rc, C_ARN, BOB, C_KEY_USED, "2023-10-11 11:11:11");
	LT_CELL(&rc, C_ARN, BOB, C_NOTE, "");
	/* carol: none of anything, and not in the report yet. */
	LT_CELL(&rc, C_ARN, CAROL, C_MFA, "no");
	LT_CELL(&rc, C_ARN, CAROL, C_PASSWORD, "no");
	LT_CELL(&rc, C_ARN, CAROL, C_PASSWORD_USED, "");
	LT_CELL(&rc, C_ARN, CAROL, C_KEYS, "0");
	LT_CELL(&rc, C_ARN, CAROL, C_KEY_USED, "");
	LT_CELL(&rc, C_ARN, CAROL, C_NOTE, "not in the credential report yet "
	    "(created after it was made)");
	/* ghost: the report only. */
	LT_CELL(&rc, C_ARN, GHOST, C_CREATED, "2021-01-01 00:00:00");
	LT_CELL(&rc, C_ARN, GHOST, C_KEYS, "0");
	LT_CELL(&rc, C_ARN, GHOST, C_NOTE, "in the credential report only: "
	    "the user was probably deleted since it was made");
	/* root. */
	LT_CELL(&rc, C_ARN, ROOT, C_USER, "<root_account>");
	LT_CELL(&rc, C_ARN, ROOT, C_MFA, "no");
	LT_CELL(&rc, C_ARN, ROOT, C_CREATED, "2020-02-02 02:02:02");
	LT_CELL(&rc, C_ARN, ROOT, C_PASSWORD, "yes");
	LT_CELL(&rc, C_ARN, ROOT, C_PASSWORD_USED, "2023-11-14 21:00:00");
	LT_CELL(&rc, C_ARN, ROOT, C_KEYS, "1");
	LT_CELL(&rc, C_ARN, ROOT, C_KEY_USED, "2023-09-09 09:09:09");
	LT_CELL(&rc, C_ARN, ROOT, C_NOTE, "root user of the account (from "
	    "the credential report)");
	lt_done(&rc);
	lt_close(&x);
}

static void
test_accounts_japanese(void)
{
	struct lt_fx x;
	struct lt_rec rc;

	lt_open(&x, "aws", "ja");
	run_estate(&x, &rc);
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 0, C_USER), "ユーザー名");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 0, C_NOTE), "備考");
	LT_CELL(&rc, C_ARN, ALICE, C_MFA, "あり");
	LT_CELL(&rc, C_ARN, CAROL, C_MFA, "なし");
	LT_CELL(&rc, C_ARN, ROOT, C_NOTE, "アカウントのルートユーザー "
	    "(認証情報レポートより)");
	lt_done(&rc);
	lt_close(&x);
}

static void
test_accounts_collector_failed(void)
{
	static const struct lt_err errs[] = {
		{ "ec2", "not an account collector" },
		{ "iam-credential-report", "ReportNotPresent" }
	};
	struct lt_fx x;
	struct lt_rec rc;

	lt_open(&x, "aws", "en");
	/* alice's record and report row, bob's record. */
	lt_snapshot(&x, x.unit.id, "aws", estate, 3, errs, 2);
	CU_ASSERT_EQUAL_FATAL(lt_run(&x, cp_ledger_accounts_table("aws"),
	    cp_ledger_accounts_unit, &rc), CP_OK);
	CU_ASSERT_EQUAL_FATAL(lt_count(&rc), 4);
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, C_UNIT), "111111111111");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, C_ARN), "");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, C_NOTE), "data missing: "
	    "collector iam-credential-report failed (ReportNotPresent); what "
	    "it collects is not listed");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 2, C_USER), "alice");
	LT_CELL(&rc, C_ARN, BOB, C_NOTE, "not in the credential report yet "
	    "(created after it was made)");
	lt_done(&rc);
	lt_close(&x);
}

static void
test_accounts_unit_never_inspected(void)
{
	struct lt_fx x;
	struct lt_rec rc;

	lt_open(&x, "aws", "en");
	CU_ASSERT_EQUAL_FATAL(lt_run(&x, cp_ledger_accounts_table("aws"),
	    cp_ledger_accounts_unit, &rc), CP_OK);
	CU_ASSERT_EQUAL_FATAL(lt_count(&rc), 2);
	CU_ASSERT_EQUAL(lt_width(&rc, 1), C_COUNT);
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, C_ENV), "prod");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, C_ARN), "");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, C_NOTE), "never inspected: "
	    "no snapshot yet (run 'cloudpatrol inspect')");
	lt_done(&rc);
	lt_close(&x);
}

static void
test_accounts_cloud_without_column_set(void)
{
	struct lt_fx x;
	struct lt_rec rc;

	lt_open(&x, "oci", "en");
	/* Even with a snapshot, one row saying so. */
	lt_snapshot(&x, x.unit.id, "oci", estate, 1, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(lt_run(&x, cp_ledger_accounts_table("oci"),
	    cp_ledger_accounts_unit, &rc), CP_OK);
	CU_ASSERT_EQUAL_FATAL(lt_count(&rc), 2);
	CU_ASSERT_EQUAL_FATAL(lt_width(&rc, 1), 4);
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, 0), "prod");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, 1), "oci");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, 2), "111111111111");
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, 3), "no account ledger for "
	    "cloud oci yet: its plugin has not landed");
	lt_done(&rc);
	lt_close(&x);
}

/* Entra users: members first, then guests; R-REP-4's columns. */
static void
test_accounts_azure_rows(void)
{
	static const struct lt_res users[] = {
		{ "azure/entra-user", "g-1", "guest#EXT#@t.example", "global",
		  "{\"id\": \"g-1\", \"displayName\": \"Partner\", "
		  "\"userPrincipalName\": \"guest#EXT#@t.example\", "
		  "\"mail\": \"p@partner.example\", \"userType\": \"Guest\", "
		  "\"accountEnabled\": true, \"externalUserState\": "
		  "\"PendingAcceptance\", \"createdDateTime\": "
		  "\"2024-05-19T13:45:00Z\"}" },
		{ "azure/entra-user", "m-1", "aoi@t.example", "global",
		  "{\"id\": \"m-1\", \"displayName\": \"Aoi\", "
		  "\"userPrincipalName\": \"aoi@t.example\", \"mail\": null, "
		  "\"userType\": \"Member\", \"accountEnabled\": false, "
		  "\"createdDateTime\": \"2024-01-15T09:00:00Z\", "
		  "\"signInActivity\": {\"lastSignInDateTime\": "
		  "\"2024-05-18T08:12:00Z\"}}" }
	};
	static const char *const aoi[] = {
		"prod", "azure", "111111111111", "m-1", "Aoi", "aoi@t.example",
		"", "member", "", "2024-01-15 09:00:00", "no",
		"2024-05-18 08:12:00", ""
	};
	static const char *const guest[] = {
		"prod", "azure", "111111111111", "g-1", "Partner",
		"guest#EXT#@t.example", "p@partner.example", "guest",
		"PendingAcceptance", "2024-05-19 13:45:00", "yes", "",
		"invited, not accepted yet"
	};
	struct lt_fx x;
	struct lt_rec rc;
	size_t i;

	lt_open(&x, "azure", "en");
	lt_snapshot(&x, x.unit.id, "azure", users, 2, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(lt_run(&x, cp_ledger_accounts_table("azure"),
	    cp_ledger_accounts_unit, &rc), CP_OK);
	CU_ASSERT_EQUAL_FATAL(lt_count(&rc), 3);
	CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 0, 5), "User principal name");
	CU_ASSERT_EQUAL_FATAL(lt_width(&rc, 1), 13);
	for (i = 0; i < 13; i++) {
		CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 1, i), aoi[i]);
		CU_ASSERT_STRING_EQUAL(lt_cell(&rc, 2, i), guest[i]);
	}
	lt_done(&rc);
	lt_close(&x);
}

int
main(void)
{
	static const struct cp_test tests[] = {
		{ "tables", test_accounts_tables },
		{ "aws_rows", test_accounts_aws_rows },
		{ "japanese", test_accounts_japanese },
		{ "collector_failed", test_accounts_collector_failed },
		{ "unit_never_inspected",
		    test_accounts_unit_never_inspected },
		{ "cloud_without_column_set",
		    test_accounts_cloud_without_column_set },
		{ "azure_rows", test_accounts_azure_rows },
		{ NULL, NULL }
	};

	return cp_test_run("accounts", tests);
}
