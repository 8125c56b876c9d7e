"""Sheets of the district: the org tree and its people, imported and exported as xlsx.

Orgs are matched by 组织编码, people by 人员编号, else by 身份证号 (through its keyed hash).
Every row is validated against the database and the rest of the file before anything is
written; zuofeng.orgs.bulk then writes the whole file in one transaction. Importing this
package registers both importers with zuofeng.core.sheets (found by autodiscover_modules).
"""

from zuofeng.orgs.importers.orgs import OrgImporter
from zuofeng.orgs.importers.people import PersonImporter

__all__ = ["OrgImporter", "PersonImporter"]
