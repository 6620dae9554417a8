package dk.spejl.hub.sample;

import com.google.protobuf.InvalidProtocolBufferException;
import dk.spejl.hub.catalogue.CprDetector;
import com.google.protobuf.util.JsonFormat;
import dk.spejl.digest.Sha256;
import dk.spejl.wire.Checksum;
import dk.spejl.wire.FileFormat;
import dk.spejl.wire.HubRecord;
import dk.spejl.wire.Platform;
import dk.spejl.wire.Record;
import dk.spejl.wire.SampleKind;
import dk.spejl.wire.Status;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * A deterministic synthetic catalogue: the same seed and size always give the same records.
 * No record describes a real person; pseudonyms and checksums are drawn from the seed.
 *
 * <p>Shapes follow a national whole-genome programme: most genomes are Illumina short reads
 * (paired FASTQ, an aligned CRAM, a VCF and a gVCF), about one in seven is long-read (an
 * unaligned BAM from Oxford Nanopore or PacBio, its CRAM and a VCF); about one germline genome
 * in six has a tumour genome from the same subject, and a few are cell-free DNA. Regions own
 * data roughly in proportion to their population. Sizes are those of 30x (short) and 20-30x
 * (long) genomes.
 */
public final class CatalogueGenerator {
    private static final String[] REGIONS = {"hovedstaden", "midtjylland", "syddanmark", "sjaelland", "nordjylland"};
    private static final double[] REGION_SHARE = {0.32, 0.23, 0.21, 0.14, 0.10};
    private static final String[][] UNITS = {
            {"rh-klinisk-genetik", "rh-onkologi", "hgh-molekylaer-diagnostik"},
            {"auh-molekylaer-medicin", "auh-klinisk-genetik", "auh-onkologi"},
            {"ouh-klinisk-genetik", "ouh-onkologi", "sygehus-lillebaelt-genetik"},
            {"sjaellands-uh-genetik", "zealand-onkologi"},
            {"aauh-klinisk-genetik", "aauh-onkologi"}};
    private static final String[] SHORT_INSTRUMENTS = {"Illumina NovaSeq 6000", "Illumina NovaSeq X Plus"};
    private static final String[] PIPELINES = {"ngc-wgs@3.2.1", "ngc-wgs@3.3.0", "nf-core/sarek@3.4.2", "nf-core/raredisease@2.1.0"};
    private static final String[][] DATA_USE = {{"DUO:0000006"}, {"DUO:0000007", "DUO:0000019"}, {"DUO:0000042"}, {"DUO:0000006", "DUO:0000028"}};
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private static final java.util.regex.Pattern QUOTED_SIZE = java.util.regex.Pattern.compile("\"size_bytes\":\"(\\d+)\"");
    private static final JsonFormat.Printer JSON = JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();

    private final SplittableRandom random;
    private final long idSalt;
    private long counter;
    private final List<String> germlineSubjects = new ArrayList<>();

    public CatalogueGenerator(long seed) {
        this.random = new SplittableRandom(seed);
        this.idSalt = new SplittableRandom(seed ^ 0x5DEECE66DL).nextLong();
    }

    /** Generates exactly {@code count} records, in a stable order, and hands each to {@code sink}. */
    public void generate(long count, Consumer<HubRecord> sink) {
        long[] left = {count};
        Consumer<HubRecord> bounded = r -> {
            if (left[0] > 0) {
                left[0]--;
                sink.accept(r);
            }
        };
        while (left[0] > 0) {
            genome(bounded);
        }
    }

    public List<HubRecord> generate(int count) {
        List<HubRecord> out = new ArrayList<>(count);
        generate(count, out::add);
        return out;
    }

    /** One JSON Lines ingest line for a put of {@code record}. */
    public static String putLine(HubRecord record) {
        try {
            // Protobuf's JSON mapping quotes 64-bit numbers; an operator's file would not.
            String json = QUOTED_SIZE.matcher(JSON.print(record.getRecord())).replaceFirst("\"size_bytes\":$1");
            return "{\"op\":\"put\",\"record\":" + json.substring(0, json.length() - 1)
                    + ",\"storage_uri\":\"" + record.getStorageUri() + "\"}}";
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String deleteLine(String id) {
        return "{\"op\":\"delete\",\"id\":\"" + id + "\"}";
    }

    /** A changed version of a record (as an update would be): new status and a new checksum. */
    public HubRecord modify(HubRecord record) {
        Record.Builder r = record.getRecord().toBuilder();
        r.setStatus(r.getStatus() == Status.AVAILABLE ? Status.ARCHIVED : Status.AVAILABLE);
        r.clearChecksums().addChecksums(sha256()).addChecksums(md5());
        return record.toBuilder().setRecord(r).build();
    }

    private void genome(Consumer<HubRecord> sink) {
        int region = pickRegion();
        String regionName = REGIONS[region];
        String unit = UNITS[region][random.nextInt(UNITS[region].length)];
        double kindRoll = random.nextDouble();
        SampleKind kind;
        String subject;
        if (kindRoll < 0.14 && !germlineSubjects.isEmpty()) {
            kind = SampleKind.TUMOUR;
            subject = germlineSubjects.get(random.nextInt(germlineSubjects.size()));
        } else if (kindRoll < 0.18) {
            kind = SampleKind.CFDNA;
            subject = pseudonym("sp");
        } else {
            kind = SampleKind.GERMLINE;
            subject = pseudonym("sp");
            if (germlineSubjects.size() < 10_000) {
                germlineSubjects.add(subject);
            } else {
                germlineSubjects.set(random.nextInt(germlineSubjects.size()), subject);
            }
        }
        String sample = pseudonym("sa");
        String producedOn = String.format("%d-%02d", 2019 + random.nextInt(8), 1 + random.nextInt(12));
        if (producedOn.compareTo("2026-10") > 0) {
            producedOn = "2026-10";
        }
        String pipeline = PIPELINES[random.nextInt(PIPELINES.length)];
        String[] dataUse = DATA_USE[random.nextInt(DATA_USE.length)];
        Record.Builder base = Record.newBuilder().setSubjectPseudonym(subject).setSamplePseudonym(sample).setSampleKind(kind)
                .setOwnerRegion(regionName).setOwnerUnit(unit).setProducedOn(producedOn)
                .setReferenceGenome(random.nextDouble() < 0.93 ? "GRCh38" : "T2T-CHM13v2.0")
                .addAllDataUse(List.of(dataUse)).setAccessPolicyRef("policy:" + regionName + "/clinical-v2");
        if (random.nextDouble() < 0.14 && kind != SampleKind.CFDNA) {
            longReadGenome(base, regionName, pipeline, sink);
        } else {
            shortReadGenome(base, regionName, pipeline, kind, sink);
        }
    }

    private void shortReadGenome(Record.Builder base, String region, String pipeline, SampleKind kind, Consumer<HubRecord> sink) {
        base.setPlatform(Platform.ILLUMINA).setInstrumentModel(SHORT_INSTRUMENTS[random.nextInt(2)]).setReadLength(150)
                .setLibraryStrategy("WGS").setLibraryLayout("PAIRED");
        double depth = kind == SampleKind.TUMOUR ? 2.0 : kind == SampleKind.CFDNA ? 0.4 : 1.0;
        HubRecord r1 = file(base, region, FileFormat.FASTQ, "reads_r1", gb(28 * depth, 42 * depth), "", List.of(), "fastq.gz");
        HubRecord r2 = file(base, region, FileFormat.FASTQ, "reads_r2", gb(28 * depth, 42 * depth), "", List.of(), "fastq.gz");
        HubRecord cram = file(base, region, FileFormat.CRAM, "alignment", gb(14 * depth, 24 * depth), pipeline,
                List.of(id(r1), id(r2)), "cram");
        sink.accept(r1);
        sink.accept(r2);
        sink.accept(cram);
        sink.accept(file(base, region, FileFormat.VCF, "variants", mb(80, 160), pipeline, List.of(id(cram)), "vcf.gz"));
        if (kind == SampleKind.GERMLINE) {
            sink.accept(file(base, region, FileFormat.GVCF, "genome_variants", gb(3, 7), pipeline, List.of(id(cram)), "g.vcf.gz"));
        }
    }

    private void longReadGenome(Record.Builder base, String region, String pipeline, Consumer<HubRecord> sink) {
        boolean nanopore = random.nextBoolean();
        base.setPlatform(nanopore ? Platform.OXFORD_NANOPORE : Platform.PACBIO_SMRT)
                .setInstrumentModel(nanopore ? "PromethION 24" : "PacBio Revio")
                .setBasecaller(nanopore ? "dorado@0.7.3" : "ccs@8.0.0")
                .setLibraryStrategy("WGS").setLibraryLayout("SINGLE");
        HubRecord ubam = file(base, region, FileFormat.UBAM, "unaligned_reads", gb(60, 200), "", List.of(), "bam");
        HubRecord cram = file(base, region, FileFormat.CRAM, "alignment", gb(40, 110), pipeline, List.of(id(ubam)), "cram");
        sink.accept(ubam);
        sink.accept(cram);
        sink.accept(file(base, region, FileFormat.VCF, "variants", mb(150, 320), pipeline, List.of(id(cram)), "vcf.gz"));
    }

    private HubRecord file(Record.Builder base, String region, FileFormat format, String role, long size, String pipeline,
                           List<String> derivedFrom, String extension) {
        String id = nextId();
        Record.Builder r = base.clone().setId(id).setStatus(status()).setFileFormat(format).setFileRole(role)
                .setSizeBytes(size).setPipeline(pipeline).addAllDerivedFrom(derivedFrom)
                .addChecksums(sha256());
        if (random.nextDouble() < 0.5) {
            r.addChecksums(md5());
        }
        return HubRecord.newBuilder().setRecord(r)
                .setStorageUri("ngc-store://wgs/" + region + "/" + id.substring(5, 7) + "/" + id + "." + extension).build();
    }

    private Status status() {
        double roll = random.nextDouble();
        return roll < 0.90 ? Status.AVAILABLE : roll < 0.96 ? Status.ARCHIVED : roll < 0.99 ? Status.SUPERSEDED : Status.WITHDRAWN;
    }

    /**
     * Ids are a bijective mix of a counter, so they are unique, stable and spread over the key space.
     * One whose hex digits happen to read as a CPR number (about one in three hundred) is skipped:
     * ingest would refuse it, as it refuses any value that looks like one (invariant 1).
     */
    private String nextId() {
        while (true) {
            long z = (counter++ ^ idSalt) * 0x9E3779B97F4A7C15L;
            z ^= z >>> 31;
            z *= 0xBF58476D1CE4E5B9L;
            z ^= z >>> 29;
            String id = "ngcf-" + String.format("%016x", z);
            if (CprDetector.find(id).isEmpty()) {
                return id;
            }
        }
    }

    private String pseudonym(String prefix) {
        char[] out = new char[12];
        out[0] = prefix.charAt(0);
        out[1] = prefix.charAt(1);
        for (int i = 2; i < out.length; i++) {
            out[i] = BASE32[random.nextInt(32)];
        }
        return new String(out);
    }

    private Checksum sha256() {
        return Checksum.newBuilder().setType("sha-256").setValue(Sha256.hex(randomBytes(32))).build();
    }

    private Checksum md5() {
        return Checksum.newBuilder().setType("md5").setValue(Sha256.hex(randomBytes(16))).build();
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private long gb(double min, double max) {
        return (long) ((min + random.nextDouble() * (max - min)) * 1e9);
    }

    private long mb(double min, double max) {
        return (long) ((min + random.nextDouble() * (max - min)) * 1e6);
    }

    private int pickRegion() {
        double roll = random.nextDouble();
        for (int i = 0; i < REGION_SHARE.length; i++) {
            roll -= REGION_SHARE[i];
            if (roll < 0) {
                return i;
            }
        }
        return 0;
    }

    private static String id(HubRecord record) {
        return record.getRecord().getId();
    }

}
