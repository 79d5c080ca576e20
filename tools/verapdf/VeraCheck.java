import java.io.File;
import java.util.*;
import org.verapdf.gf.foundry.VeraGreenfieldFoundryProvider;
import org.verapdf.pdfa.*;
import org.verapdf.pdfa.flavours.PDFAFlavour;
import org.verapdf.pdfa.results.*;
import org.verapdf.pdfa.validation.profiles.*;

/**
 * Validates one PDF against one veraPDF profile and prints the result as tab-separated lines
 * (read by tests/verapdf.py; readable as they are):
 *
 *   result   FILE  FLAVOUR  PROFILE-NAME  COMPLIANT(true|false)  JOB-STATUS  TOTAL-CHECKS  FAILED-CHECKS
 *   rule     SPECIFICATION  CLAUSE  TEST-NUMBER  FAILED-CHECKS  OBJECT  DESCRIPTION
 *   example  CLAUSE  TEST-NUMBER  CONTEXT  MESSAGE
 *
 * Usage: java -cp ... VeraCheck FLAVOUR FILE.pdf [EXAMPLES-PER-RULE]   (FLAVOUR: ua1, ua2, 2b, ...)
 * Exit status: 0 compliant, 1 not compliant, 2 usage or validation error.
 */
public class VeraCheck {
    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("Bruk: VeraCheck PROFIL FIL.pdf [eksempler-per-regel]   (PROFIL: ua1, ua2, 2b …)");
            System.exit(2);
        }
        try {
            System.exit(run(args[0], new File(args[1]), args.length > 2 ? Integer.parseInt(args[2]) : 3));
        } catch (Exception e) {
            System.err.println("veraPDF kunne ikke validere " + args[1] + ": " + e);
            System.exit(2);
        }
    }

    static int run(String flavourId, File pdf, int examples) throws Exception {
        PDFAFlavour flavour = PDFAFlavour.byFlavourId(flavourId);
        if (flavour == PDFAFlavour.NO_FLAVOUR) throw new IllegalArgumentException("ukjent profil " + flavourId);
        if (!pdf.isFile()) throw new IllegalArgumentException("fant ikke filen");
        VeraGreenfieldFoundryProvider.initialise();
        try (VeraPDFFoundry foundry = Foundries.defaultInstance();
             PDFAParser parser = foundry.createParser(pdf, flavour)) {
            // flavour, failed checks kept per rule, log passed checks, show error messages, show progress
            PDFAValidator validator = foundry.createValidator(flavour, examples, false, true, false);
            ValidationResult r = validator.validate(parser);
            ValidationProfile profile = r.getValidationProfile();
            Map<RuleId, Integer> failed = new TreeMap<>(Comparator
                .comparing((RuleId id) -> id.getSpecification().toString())
                .thenComparing(id -> sortKey(id.getClause()))
                .thenComparingInt(RuleId::getTestNumber));
            failed.putAll(r.getFailedChecks());
            long failedChecks = failed.values().stream().mapToLong(Integer::longValue).sum();
            line("result", pdf.getPath(), flavour.getId(), profile.getDetails().getName(),
                 String.valueOf(r.isCompliant()), String.valueOf(r.getJobEndStatus()),
                 String.valueOf(r.getTotalAssertions()), String.valueOf(failedChecks));
            for (Map.Entry<RuleId, Integer> e : failed.entrySet()) {
                RuleId id = e.getKey();
                Rule rule = profile.getRuleByRuleId(id);
                line("rule", String.valueOf(id.getSpecification()), id.getClause(), String.valueOf(id.getTestNumber()),
                     String.valueOf(e.getValue()), rule == null ? "" : rule.getObject(),
                     rule == null ? "" : rule.getDescription());
            }
            for (TestAssertion a : r.getTestAssertions()) {
                if (a.getStatus() != TestAssertion.Status.FAILED) continue;
                RuleId id = a.getRuleId();
                line("example", id.getClause(), String.valueOf(id.getTestNumber()),
                     a.getLocation() == null ? "" : a.getLocation().getContext(),
                     a.getErrorMessage() != null ? a.getErrorMessage() : a.getMessage());
            }
            return r.isCompliant() ? 0 : 1;
        }
    }

    static void line(String... fields) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fields.length; i++) {
            if (i > 0) sb.append('\t');
            sb.append(fields[i] == null ? "" : fields[i].replaceAll("[\\t\\r\\n]+", " "));
        }
        System.out.println(sb);
    }

    /** "7.1" before "7.10": clauses sort by their numeric parts. */
    static String sortKey(String clause) {
        StringBuilder sb = new StringBuilder();
        for (String p : clause.split("\\.")) sb.append(String.format("%6s.", p));
        return sb.toString();
    }
}
