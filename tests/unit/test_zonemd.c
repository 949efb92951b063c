/*
 * Unit tests of the ZONEMD check (RFC 8976) on the examples of its Appendix
 * A, loaded through the zone store, and on variants that break one rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks/checks.h"
#include "core/error.h"
#include "core/zone.h"
#include "findings/findings.h"
#include "unit.h"

/* RFC 8976 Appendix A.1: the simple example zone. */
static const char a1_simple[] = "example.      86400  IN  SOA     ns1 admin 2018031900 (\n"
                                "                                 1800 900 604800 86400 )\n"
                                "              86400  IN  NS      ns1\n"
                                "              86400  IN  NS      ns2\n"
                                "              86400  IN  ZONEMD  2018031900 1 1 (\n"
                                "                                 c68090d90a7aed71\n"
                                "                                 6bc459f9340e3d7c\n"
                                "                                 1370d4d24b7e2fc3\n"
                                "                                 a1ddc0b9a87153b9\n"
                                "                                 a9713b3c9ae5cc27\n"
                                "                                 777f98b8e730044c )\n"
                                "ns1           3600   IN  A       203.0.113.63\n"
                                "ns2           3600   IN  AAAA    2001:db8::63\n";

/* RFC 8976 Appendix A.2: the complex example zone (its out-of-zone record
 * "foo.test." is left out: the store refuses out-of-zone data, and the
 * digest excludes it anyway). */
static const char a2_complex[] =
    "example.      86400  IN  SOA     ns1 admin 2018031900 1800 900 604800 86400\n"
    "example.      86400  IN  NS      ns1\n"
    "example.      86400  IN  NS      ns2\n"
    "example.      86400  IN  ZONEMD  2018031900 1 1 "
    "a3b69bad980a3504e1cffcb0fd6397f93848071c93151f552ae2f6b1711d4bd2d8b39808226d7b9db71e34b72077f8"
    "fe\n"
    "ns1           3600   IN  A       203.0.113.63\n"
    "NS2           3600   IN  AAAA    2001:db8::63\n"
    "occluded.sub  7200   IN  TXT     \"I'm occluded but must be digested\"\n"
    "sub           7200   IN  NS      ns1\n"
    "duplicate     300    IN  TXT     \"I must be digested just once\"\n"
    "duplicate     300    IN  TXT     \"I must be digested just once\"\n"
    "UPPERCASE     3600   IN  TXT     \"canonicalize uppercase owner names\"\n"
    "*             777    IN  PTR     dont-forget-about-wildcards\n"
    "mail          3600   IN  MX      20 MAIL1\n"
    "mail          3600   IN  MX      10 Mail2.Example.\n"
    "sortme        3600   IN  AAAA    2001:db8::5:61\n"
    "sortme        3600   IN  AAAA    2001:db8::3:62\n"
    "sortme        3600   IN  AAAA    2001:db8::4:63\n"
    "sortme        3600   IN  AAAA    2001:db8::1:65\n"
    "sortme        3600   IN  AAAA    2001:db8::2:64\n"
    "non-apex      900    IN  ZONEMD  2018031900 1 1 "
    "616c6c6f776564206275742069676e6f7265642e20616c6c6f776564206275742069676e6f7265642e20616c6c6f77"
    "65\n";

/* RFC 8976 Appendix A.3: one zone, several digests (two unsupported). */
static const char a3_multiple[] =
    "example.      86400  IN  SOA     ns1 admin 2018031900 1800 900 604800 86400\n"
    "example.      86400  IN  NS      ns1.example.\n"
    "example.      86400  IN  NS      ns2.example.\n"
    "example.      86400  IN  ZONEMD  2018031900 1 1 "
    "62e6cf51b02e54b9b5f967d547ce43136792901f9f88e637493daaf401c92c279dd10f0edb1c56f8080211f8480ee3"
    "06\n"
    "example.      86400  IN  ZONEMD  2018031900 1 2 "
    "08cfa1115c7b948c4163a901270395ea226a930cd2cbcf2fa9a5e6eb85f37c8a4e114d884e66f176eab121cb02db7d"
    "652e0cc4827e7a3204f166b47e5613fd27\n"
    "example.      86400  IN  ZONEMD  2018031900 1 240 e2d523f654b9422a96c5a8f44607bbee\n"
    "example.      86400  IN  ZONEMD  2018031900 241 1 e1846540e33a9e4189792d18d5d131f605fc283e\n"
    "ns1.example.  3600   IN  A       203.0.113.63\n"
    "ns2.example.  86400  IN  TXT     \"This example has multiple digests\"\n"
    "NS2.EXAMPLE.  3600   IN  AAAA    2001:db8::63\n";

/* RFC 8976 Appendix A.4: uri.arpa, signed with NSEC; RRSIG over the ZONEMD. */
static const char a4_uri_arpa[] =
    "uri.arpa. 3600 IN SOA sns.dns.icann.org. noc.dns.icann.org. 2018100702 10800 3600 1209600 "
    "3600\n"
    "uri.arpa. 3600 IN RRSIG SOA 8 2 3600 20210217232440 20210120232440 37444 uri.arpa. "
    "GzQw+QzwLDJr13REPGVmpEChjD1D2XlX0ie1DnWHpgaEw1E/dhs3lCN3 "
    "+BmHd4Kx3tffTRgiyq65HxR6feQ5v7VmAifjyXUYB1DZur1eP5q0Ms2y "
    "gCB3byoeMgCNsFS1oKZ2LdzNBRpy3oace8xQn1SpmHGfyrsgg+WbHKCT 1dY=\n"
    "uri.arpa. 86400 IN NS a.iana-servers.net.\n"
    "uri.arpa. 86400 IN NS b.iana-servers.net.\n"
    "uri.arpa. 86400 IN NS c.iana-servers.net.\n"
    "uri.arpa. 86400 IN NS ns2.lacnic.net.\n"
    "uri.arpa. 86400 IN NS sec3.apnic.net.\n"
    "uri.arpa. 86400 IN RRSIG NS 8 2 86400 20210217232440 20210120232440 37444 uri.arpa. "
    "M+Iei2lcewWGaMtkPlrhM9FpUAHXFkCHTVpeyrjxjEONeNgKtHZor5e4 "
    "V4qJBOzNqo8go/qJpWlFBm+T5Hn3asaBZVstFIYky38/C8UeRLPKq1hT "
    "THARYUlFrexr5fMtSUAVOgOQPSBfH3xBq/BgSccTdRb9clD+HE7djpqr LS4=\n"
    "uri.arpa. 600 IN MX 10 pechora.icann.org.\n"
    "uri.arpa. 600 IN RRSIG MX 8 2 600 20210217232440 20210120232440 37444 uri.arpa. "
    "kQAJQivmv6A5hqYBK8h6Z13ESY69gmosXwKI6WE09I8RFetfrxr24ecd "
    "nYd0lpnDtgNNSoHkYRSOoB+C4+zuJsoyAAzGo9uoWMWj97/2xeGhf3PT "
    "C9meQ9Ohi6hul9By7OR76XYmGhdWX8PBi60RUmZ1guslFBfQ8izwPqzu phs=\n"
    "uri.arpa. 3600 IN NSEC ftp.uri.arpa. NS SOA MX RRSIG NSEC DNSKEY ZONEMD\n"
    "uri.arpa. 3600 IN RRSIG NSEC 8 2 3600 20210217232440 20210120232440 37444 uri.arpa. "
    "dU/rXLM/naWd1+1PiWiYVaNJyCkiuyZJSccr91pJI673T8r3685B4ODM "
    "YFafZRboVgwnl3ZrXddY6xOhZL3n9V9nxXZwjLJ2HJUojFoKcXTlpnUy "
    "YUYvVQ2kj4GHAo6fcGCEp5QFJ2KbCpeJoS+PhKGRRx28icCiNT4/uXQv O2E=\n"
    "uri.arpa. 3600 IN DNSKEY 256 3 8 AwEAAbMxuFuLeVDuOwIMzYOTD/bTREjLflo7wOi6ieIJhqltEzgjNzmW "
    "Jf9kGwwDmzxU7kbthMEhBNBZNn84zmcyRSCMzuStWveL7xmqqUlE3swL "
    "8kLOvdZvc75XnmpHrk3ndTyEb6eZM7slh2C63Oh6K8VR5VkiZAkEGg0u ZIT3NjsF\n"
    "uri.arpa. 3600 IN DNSKEY 257 3 8 AwEAAdkTaWkZtZuRh7/OobBUFxM+ytTst+bCu0r9w+rEwXD7GbDs0pIM "
    "hMenrZzoAvmv1fQxw2MGs6Ri6yPKfNULcFOSt9l8i6BVBLI+SKTY6XXe "
    "DUQpSEmSaxohHeRPMQFzpysfjxINp/L2rGtZ7yPmxY/XRiFPSO0myqwG "
    "Ja9r06Zw9CHM5UDHKWV/E+zxPFq/I7CfPbrrzbUotBX7Z6Vh3Sarllbe "
    "8cGUB2UFNaTRgwB0TwDBPRD5ER3w2Dzbry9NhbElTr7vVfhaGWeOGuqA "
    "UXwlXEg6CrNkmJXJ2F1Rzr9WHUzhp7uWxhAbmJREGfi2dEyPAbUAyCjB qhFaqglknvc=\n"
    "uri.arpa. 3600 IN DNSKEY 257 3 8 AwEAAenQaBoFmDmvRT+/H5oNbm0Tr5FmNRNDEun0Jpj/ELkzeUrTWhNp "
    "QmZeIMC8I0kZ185tEvOnRvn8OvV39B17QIdrvvKGIh2HlgeDRCLolhao "
    "jfn2QM0DStjF/WWHpxJOmE6CIuvhqYEU37yoJscGAPpPVPzNvnL1HhYT "
    "aao1VRYWQ/maMrJ+bfHg+YX1N6M/8MnRjIKBif1FWjbCKvsn6dnuGGL9 "
    "oCWYUFJ3DwofXuhgPyZMkzPc88YkJj5EMvbMH4wtelbCwC+ivx732l0w "
    "/rXJn0ciQSOgoeVvDio8dIJmWQITWQAuP+q/ZHFEFHPlrP3gvQh5mcVS 48eLX71Bq7c=\n"
    "uri.arpa. 3600 IN RRSIG DNSKEY 8 2 3600 20210217232440 20210120232440 12670 uri.arpa. "
    "DBE2gkKAoxJCfz47KKxzoImN/0AKArhIVHE7TyTwy0DdRPo44V5R+vL6 "
    "thUxlQ1CJi2Rw0jwAXymx5Y3Q873pOEllH+4bJoIT4dmoBmPXfYWW7Cl "
    "vw9UPKHRP0igKHmCVwIeBYDTU3gfLcMTbR4nEWPDN0GxlL1Mf7ITaC2I "
    "oabo79Ip3M/MR8I3Vx/xZ4ZKKPHtLn3xUuJluPNanqJrED2gTslL2xWZ "
    "1tqjsAjJv7JnJo2HJ8XVRB5zBto0IaJ2oBlqcjdcQ/0VlyoM8uOy1pDw "
    "HQ2BJl7322gNMHBP9HSiUPIOaIDNUCwW8eUcW6DIUk+s9u3GN1uTqwWz sYB/rA==\n"
    "uri.arpa. 3600 IN RRSIG DNSKEY 8 2 3600 20210217232440 20210120232440 30577 uri.arpa. "
    "Kx6HwP4UlkGc1UZ7SERXtQjPajOF4iUvkwDj7MEG1xbQFB1KoJiEb/ei "
    "W0qmSWdIhMDv8myhgauejRLyJxwxz8HDRV4xOeHWnRGfWBk4XGYwkejV "
    "zOHzoIArVdUVRbr2JKigcTOoyFN+uu52cNB7hRYu7dH5y1hlc6UbOnzR "
    "pMtGxcgVyKQ+/ARbIqGG3pegdEOvV49wTPWEiyY65P2urqhvnRg5ok/j "
    "zwAdMx4XGshiib7Ojq0sRVl2ZIzj4rFgY/qsSO8SEXEhMo2VuSkoJNio "
    "fVzYoqpxEeGnANkIT7Tx2xJL1BWyJxyc7E8Wr2QSgCcc+rYL6IkHDtJG Hy7TaQ==\n"
    "uri.arpa. 3600 IN ZONEMD 2018100702 1 1 "
    "0DBC3C4DBFD75777C12CA19C337854B1577799901307C482E9D91D5D "
    "15CD934D16319D98E30C4201CF25A1D5A0254960\n"
    "uri.arpa. 3600 IN RRSIG ZONEMD 8 2 3600 20210217232440 20210120232440 37444 uri.arpa. "
    "QDo4XZcL3HMyn8aAHyCUsu/Tqj4Gkth8xY1EqByOb8XOTwVtA4ZNQORE "
    "1siqNqjtJUbeJPtJSbLNqCL7rCq0CzNNnBscv6IIf4gnqJZjlGtHO30o "
    "hXtKvEc4z7SU3IASsi6bB3nLmEAyERdYSeU6UBfx8vatQDIRhkgEnnWU Th4=\n"
    "ftp.uri.arpa. 604800 IN NAPTR 0 0 \"\" \"\" \"!^ftp://([^:/?#]*).*$!\\\\1!i\" .\n"
    "ftp.uri.arpa. 604800 IN RRSIG NAPTR 8 3 604800 20210217232440 20210120232440 37444 uri.arpa. "
    "EygekDgl+Lyyq4NMSEpPyOrOywYf9Y3FAB4v1DT44J3R5QGidaH8l7ZF "
    "jHoYFI8sY64iYOCV4sBnX/dh6C1L5NgpY+8l5065Xu3vvjyzbtuJ2k6Y "
    "YwJrrCbvl5DDn53zAhhO2hL9uLgyLraZGi9i7TFGd0sm3zNyUF/EVL0C cxU=\n"
    "ftp.uri.arpa. 3600 IN NSEC http.uri.arpa. NAPTR RRSIG NSEC\n"
    "ftp.uri.arpa. 3600 IN RRSIG NSEC 8 3 3600 20210217232440 20210120232440 37444 uri.arpa. "
    "pbP4KxevPXCu/bDqcvXiuBppXyFEmtHyiy0eAN5gS7mi6mp9Z9bWFjx/ "
    "LdH9+6oFGYa5vGmJ5itu/4EDMe8iQeZbI8yrpM4TquB7RR/MGfBnTd8S "
    "+sjyQtlRYG7yqEu77Vd78Fme22BKPJ+MVqjS0JHMUE/YUGomPkAjLJJw wGw=\n"
    "http.uri.arpa. 604800 IN NAPTR 0 0 \"\" \"\" \"!^http://([^:/?#]*).*$!\\\\1!i\" .\n"
    "http.uri.arpa. 604800 IN RRSIG NAPTR 8 3 604800 20210217232440 20210120232440 37444 "
    "uri.arpa. eTqbWvt1GvTeXozuvm4ebaAfkXFQKrtdu0cEiExto80sHIiCbO0WL8UD "
    "a/J3cDivtQca7LgUbOb6c17NESsrsVkc6zNPx5RK2tG7ZQYmhYmtqtfg "
    "1oU5BRdHZ5TyqIXcHlw9Blo2pir1Y9IQgshhD7UOGkbkEmvB1Lrd0aHh AAg=\n"
    "http.uri.arpa. 3600 IN NSEC mailto.uri.arpa. NAPTR RRSIG NSEC\n"
    "http.uri.arpa. 3600 IN RRSIG NSEC 8 3 3600 20210217232440 20210120232440 37444 uri.arpa. "
    "R9rlNzw1CVz2N08q6DhULzcsuUm0UKcPaGAWEU40tr81jEDHsFHNM+kh "
    "CdOI8nDstzA42aee4rwCEgijxJpRCcY9hrO1Ysrrr2fdqNz60JikMdar "
    "vU5O0p0VXeaaJDfJQT44+o+YXaBwI7Qod3FTMx7aRib8i7istvPm1Rr7 ixA=\n"
    "mailto.uri.arpa. 604800 IN NAPTR 0 0 \"\" \"\" \"!^mailto:(.*)@(.*)$!\\\\2!i\" .\n"
    "mailto.uri.arpa. 604800 IN RRSIG NAPTR 8 3 604800 20210217232440 20210120232440 37444 "
    "uri.arpa. Ch2zTG2F1plEvQPyIH4Yd80XXLjXOPvMbiqDjpJBcnCJsV8QF7kr0wTL "
    "nUT3dB+asQudOjPyzaHGwFlMzmrrAsszN4XAMJ6htDtFJdsgTMP/NkHh "
    "YRSmVv6rLeAhd+mVfObY12M//b/GGVTjeUI/gJaLW0fLVZxr1Fp5U5CR jyw=\n"
    "mailto.uri.arpa. 3600 IN NSEC urn.uri.arpa. NAPTR RRSIG NSEC\n"
    "mailto.uri.arpa. 3600 IN RRSIG NSEC 8 3 3600 20210217232440 20210120232440 37444 uri.arpa. "
    "fQUbSIE6E7JDi2rosah4SpCOTrKufeszFyj5YEavbQuYlQ5cNFvtm8Ku "
    "E2xXMRgRI4RGvM2leVqcoDw5hS3m2pOJLxH8l2WE72YjYvWhvnwc5Rof "
    "e/8yB/vaSK9WCnqN8y2q6Vmy73AGP0fuiwmuBra7LlkOiqmyx3amSFiz wms=\n"
    "urn.uri.arpa. 604800 IN NAPTR 0 0 \"\" \"\" \"/urn:([^:]+)/\\\\1/i\" .\n"
    "urn.uri.arpa. 604800 IN RRSIG NAPTR 8 3 604800 20210217232440 20210120232440 37444 uri.arpa. "
    "CVt2Tgz0e5ZmaSXqRfNys/8OtVCk9nfP0zhezhN8Bo6MDt6yyKZ2kEEW "
    "JPjkN7PCYHjO8fGjnUn0AHZI2qBNv7PKHcpR42VY03q927q85a65weOO "
    "1YE0vPYMzACpua9TOtfNnynM2Ws0uN9URxUyvYkXBdqOC81N3sx1dVEL cwc=\n"
    "urn.uri.arpa. 3600 IN NSEC uri.arpa. NAPTR RRSIG NSEC\n"
    "urn.uri.arpa. 3600 IN RRSIG NSEC 8 3 3600 20210217232440 20210120232440 37444 uri.arpa. "
    "JuKkMiC3/j9iM3V8/izcouXWAVGnSZjkOgEgFPhutMqoylQNRcSkbEZQ "
    "zFK8B/PIVdzZF0Y5xkO6zaKQjOzz6OkSaNPIo1a7Vyyl3wDY/uLCRRAH "
    "RJfpknuY7O+AUNXvVVIEYJqZggd4kl/Rjh1GTzPYZTRrVi5eQidI1LqC Oeg=\n";

static const char no_zonemd[] = "example. 3600 IN SOA ns1 admin 1 1800 900 604800 86400\n"
                                "example. 3600 IN NS ns1\n"
                                "ns1 3600 IN A 192.0.2.1\n";

#define MAXF 3
static const struct {
	const char *name;
	const char *base;
	const char *from1, *to1, *from2, *to2;
	dv_code_t expect[MAXF]; /* terminated by DV_F_COUNT */
} cases[] = {
    {"A.1 as published", a1_simple, NULL, NULL, NULL, NULL, {DV_F_COUNT}},
    {"A.1 digest altered",
     a1_simple,
     "777f98b8e730044c",
     "777f98b8e730044d",
     NULL,
     NULL,
     {DV_F_ZONEMD_MISMATCH, DV_F_COUNT}},
    {"A.1 data changed",
     a1_simple,
     "203.0.113.63",
     "203.0.113.64",
     NULL,
     NULL,
     {DV_F_ZONEMD_MISMATCH, DV_F_COUNT}},
    {"A.1 TTL changed (TTLs are digested)",
     a1_simple,
     "3600   IN  A",
     "3601   IN  A",
     NULL,
     NULL,
     {DV_F_ZONEMD_MISMATCH, DV_F_COUNT}},
    {"A.1 record added",
     a1_simple,
     "ns2           3600",
     "ns3 60 IN TXT \"x\"\nns2 3600",
     NULL,
     NULL,
     {DV_F_ZONEMD_MISMATCH, DV_F_COUNT}},
    {"A.1 ZONEMD serial differs from the SOA",
     a1_simple,
     "ZONEMD  2018031900",
     "ZONEMD  2018031901",
     NULL,
     NULL,
     {DV_F_ZONEMD_SERIAL_MISMATCH, DV_F_COUNT}},
    {"A.1 RRSIG over the apex ZONEMD is excluded",
     a1_simple,
     "ns1           3600",
     "example. 86400 IN RRSIG ZONEMD 13 1 86400 20300101000000 20200101000000 12345 "
     "example. c2lnbmF0dXJl\nns1 3600",
     NULL,
     NULL,
     {DV_F_COUNT}},
    {"A.1 RRSIG over the SOA is digested",
     a1_simple,
     "ns1           3600",
     "example. 86400 IN RRSIG SOA 13 1 86400 20300101000000 20200101000000 12345 "
     "example. c2lnbmF0dXJl\nns1 3600",
     NULL,
     NULL,
     {DV_F_ZONEMD_MISMATCH, DV_F_COUNT}},
    {"A.1 ZONEMD below the apex is digested",
     a1_simple,
     "ns1           3600",
     "ns1 86400 IN ZONEMD 2018031900 1 1 000102030405060708090a0b\nns1 3600",
     NULL,
     NULL,
     {DV_F_ZONEMD_MISMATCH, DV_F_COUNT}},
    {"A.1 two SHA-384 ZONEMD",
     a1_simple,
     "ns1           3600",
     "example. 86400 IN ZONEMD 2018031900 1 1 "
     "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000\nns1 3600",
     NULL,
     NULL,
     {DV_F_ZONEMD_DUPLICATE, DV_F_COUNT}},
    {"A.1 unknown scheme",
     a1_simple,
     "ZONEMD  2018031900 1 1",
     "ZONEMD  2018031900 7 1",
     NULL,
     NULL,
     {DV_F_ZONEMD_UNSUPPORTED, DV_F_COUNT}},
    {"A.1 too short to be a ZONEMD",
     a1_simple,
     "ns1           3600",
     "example. 86400 IN TYPE63 \\# 4 78 48 b9 1c\nns1 3600",
     NULL,
     NULL,
     {DV_F_ZONEMD_MISMATCH, DV_F_COUNT}},
    {"A.2 as published", a2_complex, NULL, NULL, NULL, NULL, {DV_F_COUNT}},
    {"A.2 duplicate RR digested once",
     a2_complex,
     "duplicate     300    IN  TXT     \"I must be digested just once\"\n",
     "",
     NULL,
     NULL,
     {DV_F_COUNT}},
    {"A.2 occluded data is digested",
     a2_complex,
     "occluded.sub  7200",
     "occluded.sub  7201",
     NULL,
     NULL,
     {DV_F_ZONEMD_MISMATCH, DV_F_COUNT}},
    {"A.3 as published: two digests supported, two not",
     a3_multiple,
     NULL,
     NULL,
     NULL,
     NULL,
     {DV_F_ZONEMD_UNSUPPORTED, DV_F_ZONEMD_UNSUPPORTED, DV_F_COUNT}},
    {"A.3 SHA-512 digest altered",
     a3_multiple,
     "f166b47e5613fd27",
     "f166b47e5613fd28",
     NULL,
     NULL,
     {DV_F_ZONEMD_UNSUPPORTED, DV_F_ZONEMD_UNSUPPORTED, DV_F_ZONEMD_MISMATCH}},
    {"A.4 uri.arpa as published", a4_uri_arpa, NULL, NULL, NULL, NULL, {DV_F_COUNT}},
    {"A.4 uri.arpa MX TTL changed",
     a4_uri_arpa,
     "uri.arpa. 600 IN MX",
     "uri.arpa. 601 IN MX",
     NULL,
     NULL,
     {DV_F_ZONEMD_MISMATCH, DV_F_COUNT}},
    {"no ZONEMD: nothing to check", no_zonemd, NULL, NULL, NULL, NULL, {DV_F_COUNT}},
};

static void test_cases(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = unit_text_edit(cases[i].base, cases[i].from1, cases[i].to1,
		                            cases[i].from2, cases[i].to2);
		dv_zone_t *z = unit_zone_load(text);
		dv_findings_t f = {0};
		assert_int_equal(dv_check_zonemd(z, &f), DV_OK);
		size_t n = 0;
		while (n < MAXF && cases[i].expect[n] != DV_F_COUNT)
			n++;
		if (f.len != n) {
			fprintf(stderr, "case '%s': %zu findings, expected %zu\n", cases[i].name,
			        f.len, n);
			for (size_t k = 0; k < f.len; k++)
				fprintf(stderr, "  %s %s %s\n", dv_code_name(f.v[k].code),
				        name_str(f.v[k].owner), f.v[k].detail);
		}
		assert_int_equal(f.len, n);
		for (size_t k = 0; k < n; k++) {
			/* Findings come in check order; compare as multisets anyway. */
			size_t want = 0, got = 0;
			for (size_t j = 0; j < n; j++) {
				want += cases[i].expect[j] == cases[i].expect[k];
				got += f.v[j].code == cases[i].expect[k];
			}
			if (want != got)
				fprintf(stderr, "case '%s': %s expected %zu times, found %zu\n",
				        cases[i].name, dv_code_name(cases[i].expect[k]), want, got);
			assert_int_equal(want, got);
			assert_string_equal(name_str(f.v[k].owner), z->origin_str);
			assert_int_equal(f.v[k].type, 63);
		}
		dv_findings_clear(&f);
		dv_zone_free(z);
		free(text);
	}
}

/* The RFC's uri.arpa is also a correctly chained NSEC zone. */
static void test_uri_arpa_nsec(void **state)
{
	dv_zone_t *z = unit_zone_load(a4_uri_arpa);
	dv_findings_t f = {0};
	assert_int_equal(dv_check_nsec(z, &f), DV_OK);
	assert_int_equal(f.len, 0);
	dv_zone_free(z);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),
	    cmocka_unit_test(test_uri_arpa_nsec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
